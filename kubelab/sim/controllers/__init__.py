"""The simulated cluster's controllers, each an `async def controller(store) -> None` that
`kubelab sim serve` runs as a task (cancelled at shutdown). One module per controller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import run_controller
from kubelab.sim.controllers.daemonset import DaemonSetController
from kubelab.sim.controllers.deployment import DeploymentController
from kubelab.sim.controllers.endpoints import EndpointsController
from kubelab.sim.controllers.endpointslice import EndpointSliceController
from kubelab.sim.controllers.endpointslice_mirroring import EndpointSliceMirroringController
from kubelab.sim.controllers.hostports import HostPortController
from kubelab.sim.controllers.kubelet import Kubelet
from kubelab.sim.controllers.loadbalancer import LoadBalancerController
from kubelab.sim.controllers.replicaset import ReplicaSetController
from kubelab.sim.controllers.replicationcontroller import ReplicationManager
from kubelab.sim.controllers.scheduler import Scheduler

if TYPE_CHECKING:
    from kubelab.sim.store import Store

CONTROLLERS: list[Callable[[Store], Awaitable[None]]] = [
    run_controller(cls)
    for cls in (
        DeploymentController,
        ReplicaSetController,
        ReplicationManager,
        DaemonSetController,
        Scheduler,
        Kubelet,
        EndpointsController,
        EndpointSliceController,
        EndpointSliceMirroringController,
        LoadBalancerController,
        HostPortController,
    )
]


async def main_processes(store: Store) -> None:
    """The data plane's runner of containers' main processes (logs, exits, restarts);
    imported when it starts, as the data plane itself imports from this package."""
    from kubelab.sim.dataplane.runner import main_process_runner

    await main_process_runner(store)


CONTROLLERS.append(main_processes)
