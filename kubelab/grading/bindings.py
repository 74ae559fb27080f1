"""Bindings: `${name}` values a lesson run uses, and values read live from the cluster.

`${namespace}` is always bound to the lab namespace. A lesson's own bindings are cluster-wide values
(a nodePort, a fixed clusterIP) allocated when the lesson starts, so lessons and learners sharing a
cluster never collide. Live values (`{from: {kind: Service, name: x}, path: spec.clusterIP}`) are
read when a check runs, so no lesson hard-codes an IP.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kubelab.cluster.base import ClusterError, LabCluster
from kubelab.grading.context import ClusterApi, GradingError
from kubelab.lessons.model import Lesson
from kubelab.lessons.render import substitute, substitute_data
from kubelab.objects import Obj

NODE_PORT_RANGE = range(30000, 32768)
Bindings = dict[str, str | int]

# Values handed out by this process and not yet visible in the cluster (concurrent lessons).
_reserved: set[str | int] = set()
_reserved_lock = threading.Lock()
_random = random.SystemRandom()


def _used_node_ports(services: list[Obj]) -> set[int]:
    used: set[int] = set()
    for service in services:
        for port in (service.get("spec") or {}).get("ports") or []:
            if isinstance(port.get("nodePort"), int):
                used.add(port["nodePort"])
    return used


def _served_on_this_machine(cluster: LabCluster | None) -> bool:
    """Whether the cluster serves its nodePorts on this machine's loopback itself (the
    simulator: 127.0.0.1:<nodePort>), so a nodePort must also be free here to be reachable."""
    return (
        cluster is not None
        and cluster.host_ports_path is not None
        and cluster.nodeport_host in ("127.0.0.1", "localhost")
    )


def _free_on_this_machine(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` now (another simulator, any program)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_node_port(free_ports: list[int], on_this_machine: bool) -> int | None:
    """A random port of `free_ports`; where the cluster serves nodePorts on this machine, one
    that nothing here listens on (a few dozen tries: a busy machine still has most free)."""
    if not on_this_machine:
        return _random.choice(free_ports)
    for port in _random.sample(free_ports, min(len(free_ports), 64)):
        if _free_on_this_machine(port):
            return port
    return None


def _used_cluster_ips(services: list[Obj]) -> set[str]:
    used: set[str] = set()
    for service in services:
        spec = service.get("spec") or {}
        for ip in [spec.get("clusterIP"), *(spec.get("clusterIPs") or [])]:
            if isinstance(ip, str) and ip not in ("", "None"):
                used.add(ip)
    return used


def _static_band(client: ClusterApi, services: list[Obj]) -> list[str]:
    """Candidate clusterIPs: the lower (static) band of the service range.

    The range comes from the ServiceCIDR objects when the server has them; otherwise the /24
    holding the `kubernetes` Service's clusterIP, which every service range contains.
    """
    network: ipaddress.IPv4Network | None = None
    try:
        cidrs = client.list("networking.k8s.io/v1", "ServiceCIDR", all_namespaces=True)
    except ClusterError:
        cidrs = []
    for cidr in cidrs:
        for text in (cidr.get("spec") or {}).get("cidrs") or []:
            candidate = ipaddress.ip_network(text, strict=False)
            if isinstance(candidate, ipaddress.IPv4Network):
                network = candidate
                break
        if network is not None:
            break
    if network is None:
        kubernetes = next(
            (
                s
                for s in services
                if (s.get("metadata") or {}).get("name") == "kubernetes"
                and (s.get("metadata") or {}).get("namespace") == "default"
            ),
            None,
        )
        ip = ((kubernetes or {}).get("spec") or {}).get("clusterIP")
        if not isinstance(ip, str):
            raise GradingError("cannot find the service IP range (no `kubernetes` Service)")
        fallback = ipaddress.ip_network(f"{ip}/24", strict=False)
        if not isinstance(fallback, ipaddress.IPv4Network):
            raise GradingError("clusterIP bindings need an IPv4 service range")
        network = fallback
    band = min(max(16, network.num_addresses // 16), 256)
    hosts = [str(network.network_address + offset) for offset in range(10, band)]
    return [h for h in hosts if ipaddress.ip_address(h) in network]


def allocate_bindings(
    client: ClusterApi,
    lesson: Lesson,
    namespace: str | None = None,
    *,
    cluster: LabCluster | None = None,
) -> Bindings:
    """`${namespace}` plus a free value for each of the lesson's bindings.

    A nodePort is picked from the cluster's published ones when only some reach the host
    (`cluster.nodeport_map`: kind on macOS or with a rootless engine), else from 30000-32767;
    where the simulator serves nodePorts on this machine, from those nothing here listens on.
    """
    bindings: Bindings = {"namespace": namespace or client.namespace}
    if not lesson.bindings:
        return bindings
    services = client.list("v1", "Service", all_namespaces=True)
    published = None if cluster is None else cluster.nodeport_map
    candidates = NODE_PORT_RANGE if published is None else sorted(published)
    with _reserved_lock:
        for binding in lesson.bindings:
            if binding.allocate == "nodePort":
                taken: set[Any] = _used_node_ports(services) | _reserved
                free_ports = [p for p in candidates if p not in taken]
                if not free_ports:
                    where = (
                        "30000-32767"
                        if published is None
                        else f"the {len(candidates)} nodePorts this cluster publishes on the host"
                    )
                    raise GradingError(f"no free nodePort left in {where}")
                port = _pick_node_port(free_ports, _served_on_this_machine(cluster))
                if port is None:
                    raise GradingError(
                        "no free nodePort: the ones free in the cluster are all in use on this "
                        "machine (127.0.0.1), where the simulator serves them"
                    )
                _reserved.add(port)
                bindings[binding.name] = port
            else:
                taken = _used_cluster_ips(services) | _reserved
                free_ips = [ip for ip in _static_band(client, services) if ip not in taken]
                if not free_ips:
                    raise GradingError("no free clusterIP left in the service range's static band")
                ip = _random.choice(free_ips)
                _reserved.add(ip)
                bindings[binding.name] = ip
    return bindings


def release_bindings(bindings: Mapping[str, str | int]) -> None:
    """Forget this process's reservations once the lesson's objects exist (or are gone)."""
    with _reserved_lock:
        for key, value in bindings.items():
            if key != "namespace":
                _reserved.discard(value)


M = TypeVar("M", bound=BaseModel)


def render_spec(spec: M, bindings: Mapping[str, str | int]) -> M:
    """The check with every `${name}` replaced (a bad placeholder is the lesson's error)."""
    data = spec.model_dump(by_alias=True, exclude_unset=True)
    try:
        rendered = substitute_data(data, bindings)
        return type(spec).model_validate(rendered)
    except (KeyError, ValueError, ValidationError) as exc:
        raise GradingError(f"cannot fill in the check's placeholders: {exc}") from exc


def render_text(text: str, bindings: Mapping[str, str | int]) -> str:
    try:
        return substitute(text, bindings)
    except (KeyError, ValueError) as exc:
        raise GradingError(f"cannot fill in placeholders in {text!r}: {exc}") from exc
