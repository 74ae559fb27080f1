"""Gathering what `kubelab status` shows: API reachable, nodes ready, exposed Services."""

from __future__ import annotations

from kubelab.cluster.base import (
    ClusterError,
    ClusterStatus,
    ExposedService,
    LabCluster,
    NodeStatus,
    Via,
    served_ports,
    served_problem,
)
from kubelab.objects import Obj


def node_status(node: Obj) -> NodeStatus:
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    labels = (node.get("metadata") or {}).get("labels") or {}
    prefix = "node-role.kubernetes.io/"
    roles = tuple(sorted(key[len(prefix) :] for key in labels if key.startswith(prefix)))
    name = str((node.get("metadata") or {}).get("name", "?"))
    return NodeStatus(name=name, ready=ready, roles=roles)


def exposed_services(
    cluster: LabCluster, services: list[Obj], host_ports: Obj | None = None
) -> list[ExposedService]:
    """One row per NodePort (and per load-balancer port) with where the host reaches it;
    `host_ports` is the cluster's answer at its `host_ports_path`, if it has one."""
    found: list[ExposedService] = []
    for service in services:
        spec = service.get("spec") or {}
        kind = str(spec.get("type") or "ClusterIP")
        if kind not in ("NodePort", "LoadBalancer"):
            continue
        meta = service.get("metadata") or {}
        served = served_ports(
            host_ports or {}, str(meta.get("namespace", "")), str(meta.get("name", ""))
        )
        vias: list[Via] = ["loadBalancer", "nodePort"] if kind == "LoadBalancer" else ["nodePort"]
        for port in spec.get("ports") or []:
            number = int(port.get("port", 0))
            for via in vias:
                shown = number if via == "loadBalancer" else int(port.get("nodePort") or 0)
                if not shown:
                    continue
                address = cluster.host_endpoint(service, number, via, served)
                note = ""
                if address is None and cluster.host_ports_path:
                    note = served_problem(served, number, via) or ""
                if address is None and not note:
                    status = service.get("status") or {}
                    ingress = (status.get("loadBalancer") or {}).get("ingress")
                    if via == "loadBalancer" and not ingress:
                        note = "EXTERNAL-IP <pending>"
                    else:
                        note = "not reachable from this machine"
                found.append(
                    ExposedService(
                        namespace=str(meta.get("namespace", "")),
                        name=str(meta.get("name", "?")),
                        type="LoadBalancer" if via == "loadBalancer" else "NodePort",
                        port=shown,
                        address=address,
                        note=note,
                    )
                )
    return found


def collect_status(
    cluster: LabCluster, *, provisioned: bool, all_namespaces: bool = True
) -> ClusterStatus:
    """Ask the cluster how it is; problems are recorded, not raised."""
    from kubelab.cluster.client import KubeClient  # the kubernetes client loads slowly

    status = ClusterStatus(
        provider=cluster.provider,
        name=cluster.name,
        provisioned=provisioned,
        kubeconfig=cluster.kubeconfig,
        context=cluster.context,
        namespace=cluster.namespace,
        capabilities=cluster.capabilities,
    )
    try:
        with KubeClient(
            cluster.kubeconfig, cluster.context, cluster.namespace, request_timeout=10
        ) as client:
            version = client.version()
            status.api_reachable = True
            status.server_version = str(version.get("gitVersion") or "") or None
            try:
                status.nodes = [node_status(n) for n in client.list("v1", "Node")]
            except ClusterError as exc:
                status.problems.append(f"cannot list nodes: {exc.message}")
            services = client.list("v1", "Service", all_namespaces=all_namespaces)
            host_ports = (
                client.read_path(cluster.host_ports_path) if cluster.host_ports_path else None
            )
            status.exposed = exposed_services(cluster, services, host_ports)
    except ClusterError as exc:
        status.problems.append(exc.message)
    return status
