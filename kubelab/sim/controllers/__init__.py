"""The simulated cluster's controllers, each a `ControllerSpec` (readiness check name and
`async def run(store) -> None`) that `kubelab sim serve` runs under its `Supervisor`.
One module per controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import controller_spec
from kubelab.sim.controllers.daemonset import DaemonSetController
from kubelab.sim.controllers.deployment import DeploymentController
from kubelab.sim.controllers.endpoints import EndpointsController
from kubelab.sim.controllers.endpointslice import EndpointSliceController
from kubelab.sim.controllers.endpointslice_mirroring import EndpointSliceMirroringController
from kubelab.sim.controllers.hostports import HostPortController
from kubelab.sim.controllers.kubelet import Kubelet
from kubelab.sim.controllers.loadbalancer import LoadBalancerController
from kubelab.sim.controllers.nodelifecycle import NodeLifecycleController
from kubelab.sim.controllers.replicaset import ReplicaSetController
from kubelab.sim.controllers.replicationcontroller import ReplicationManager
from kubelab.sim.controllers.scheduler import Scheduler
from kubelab.sim.controllers.statefulset import StatefulSetController
from kubelab.sim.supervisor import ControllerSpec

if TYPE_CHECKING:
    from kubelab.sim.store import Store

CONTROLLERS: list[ControllerSpec] = [
    controller_spec(cls)
    for cls in (
        DeploymentController,
        ReplicaSetController,
        ReplicationManager,
        DaemonSetController,
        StatefulSetController,
        Scheduler,
        Kubelet,
        EndpointsController,
        EndpointSliceController,
        EndpointSliceMirroringController,
        LoadBalancerController,
        HostPortController,
        NodeLifecycleController,
    )
]


async def main_processes(store: Store) -> None:
    """The data plane's runner of containers' main processes (logs, exits, restarts);
    imported when it starts, as the data plane itself imports from this package."""
    from kubelab.sim.dataplane.runner import main_process_runner

    await main_process_runner(store)


CONTROLLERS.append(ControllerSpec("controller-main-processes", main_processes))
