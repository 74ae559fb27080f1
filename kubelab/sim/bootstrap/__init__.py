"""The objects a fresh simulated cluster has on start, like a kind cluster named `kubelab`.

`bootstrap(store, nodes=3)` is idempotent: it creates only what is missing, so a cluster
restored from `--state` keeps its objects (a larger `--nodes` adds nodes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubelab.sim.bootstrap import system
from kubelab.sim.bootstrap.nodes import node_lease, node_names, node_object
from kubelab.sim.objects import Obj
from kubelab.sim.objects import now_rfc3339 as now
from kubelab.sim.runtime_table import KUBELET_NODES

if TYPE_CHECKING:
    from kubelab.sim.store import Store

NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _ensure(store: Store, key: str, obj: Obj, namespace: str | None = None) -> Obj:
    rt = store.registry.by_key(key)
    name = obj["metadata"]["name"]
    found = store.try_get(rt, namespace, name)
    if found is not None:
        return found
    return store.create(rt, obj, namespace=namespace)


def _ensure_service_cidr(store: Store) -> None:
    """The `kubernetes` ServiceCIDR, Ready as the API server's controller marks it."""
    rt = store.registry.by_key("networking.k8s.io/servicecidrs")
    if store.try_get(rt, None, "kubernetes") is not None:
        return
    store.create(rt, system.kubernetes_service_cidr())
    ready = {
        "type": "Ready",
        "status": "True",
        "lastTransitionTime": now(),
        "reason": "",
        "message": "Kubernetes Service CIDR is ready",
    }

    def with_status(o: Obj) -> None:
        o["status"] = {"conditions": [ready]}

    store.mutate(rt, None, "kubernetes", with_status, subresource="status", hooks=False)


def bootstrap(store: Store, nodes: int = 3) -> None:
    """Create the namespaces, nodes, system workloads and Services of a kind cluster."""
    with store.transaction():
        for name in NAMESPACES:
            _ensure(store, "/namespaces", {"metadata": {"name": name}})
        names = node_names(nodes)
        stamp = now()
        created_nodes = [
            _ensure(store, "/nodes", node_object(i, name, len(names), stamp))
            for i, name in enumerate(names)
        ]
        # the nodes the simulator's kubelet runs: they report for as long as it runs
        store.runtime_set(KUBELET_NODES, [n["metadata"]["uid"] for n in created_nodes])
        micro = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        for node in created_nodes:
            meta = node["metadata"]
            _ensure(
                store, "coordination.k8s.io/leases",
                node_lease(meta["name"], meta["uid"], micro), "kube-node-lease",
            )  # fmt: skip
        steps: list[tuple[str, Callable[[], Obj], str | None]] = [
            ("/services", system.kubernetes_service, "default"),
            ("/endpoints", system.kubernetes_endpoints, "default"),
            ("discovery.k8s.io/endpointslices", system.kubernetes_slice, "default"),
            ("/configmaps", system.coredns_configmap, "kube-system"),
            ("/services", system.kube_dns_service, "kube-system"),
            ("apps/deployments", system.coredns_deployment, "kube-system"),
            ("apps/daemonsets", system.kube_proxy_daemonset, "kube-system"),
            ("apps/daemonsets", system.kindnet_daemonset, "kube-system"),
        ]
        for key, make, namespace in steps:
            _ensure(store, key, make(), namespace)
        _ensure_service_cidr(store)
        control_plane = created_nodes[0]
        for component, (image, command) in system.control_plane_commands(
            control_plane["metadata"]["name"]
        ).items():
            _ensure(
                store, "/pods", system.static_pod(component, image, command, control_plane),
                "kube-system",
            )  # fmt: skip
