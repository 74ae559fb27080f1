"""ClusterIP and NodePort allocation, derived from the Services that exist.

There is no separate allocator state: an address or port is taken when a stored Service holds it,
and released when that Service is deleted or stops needing it. Messages and the random choice above
the static band follow `pkg/registry/core/service/ipallocator` and `portallocator`.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable, Mapping
from typing import Any

SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/16")
NODE_PORT_MIN = 30000
NODE_PORT_MAX = 32767
NODE_PORT_RANGE = f"{NODE_PORT_MIN}-{NODE_PORT_MAX}"
KUBERNETES_SERVICE_IP = "10.96.0.1"
DNS_SERVICE_IP = "10.96.0.10"

_rng = random.SystemRandom()


def static_band(size: int, minimum: int, maximum: int, divisor: int) -> int:
    """Size of the lower band reserved for user-chosen values: min(max(min, size/div), max)."""
    return min(max(minimum, size // divisor), maximum)


def _ip_static_band() -> int:
    return static_band(SERVICE_CIDR.num_addresses, 16, 256, 16)


def _port_static_band() -> int:
    return static_band(NODE_PORT_MAX - NODE_PORT_MIN + 1, 16, 128, 32)


def needs_cluster_ip(spec: Mapping[str, Any]) -> bool:
    return bool(spec.get("type", "ClusterIP") != "ExternalName")


def needs_node_port(spec: Mapping[str, Any]) -> bool:
    kind = spec.get("type", "ClusterIP")
    if kind == "NodePort":
        return True
    if kind == "LoadBalancer":
        return bool(spec.get("allocateLoadBalancerNodePorts", True))
    return False


def used_cluster_ips(services: Iterable[Mapping[str, Any]]) -> set[str]:
    used: set[str] = set()
    for svc in services:
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            if ip and ip != "None":
                used.add(str(ip))
    return used


def used_node_ports(services: Iterable[Mapping[str, Any]]) -> set[int]:
    used: set[int] = set()
    for svc in services:
        for port in (svc.get("spec") or {}).get("ports") or []:
            node_port = port.get("nodePort")
            if isinstance(node_port, int) and node_port:
                used.add(node_port)
    return used


def check_static_ip(ip: str, used: set[str]) -> str | None:
    """Why a user-chosen clusterIP cannot be allocated (the cause's detail)."""
    address = ipaddress.ip_address(ip)
    if (
        address not in SERVICE_CIDR
        or address == SERVICE_CIDR.network_address
        or address == SERVICE_CIDR.broadcast_address
    ):
        return f"failed to allocate IP {ip}: the provided network does not match the current range"
    if ip in used:
        return f"failed to allocate IP {ip}: provided IP is already allocated"
    return None


def allocate_ip(used: set[str], rng: random.Random | None = None) -> str:
    """A random free IP above the static band first, then below it."""
    rand = rng or _rng
    base = int(SERVICE_CIDR.network_address)
    last = SERVICE_CIDR.num_addresses - 2  # offsets 1..last; never network or broadcast
    band = _ip_static_band()
    for low, high in ((band + 1, last), (1, band)):
        if low > high:
            continue
        start = rand.randint(low, high)
        span = high - low + 1
        for step in range(span):
            offset = low + (start - low + step) % span
            candidate = str(ipaddress.IPv4Address(base + offset))
            if candidate not in used:
                return candidate
    raise RuntimeError("range is full")


def check_static_port(port: int, used: set[int]) -> str | None:
    """Why a user-chosen nodePort cannot be allocated."""
    if not NODE_PORT_MIN <= port <= NODE_PORT_MAX:
        return (
            "provided port is not in the valid range. "
            f"The range of valid ports is {NODE_PORT_RANGE}"
        )
    if port in used:
        return "provided port is already allocated"
    return None


def allocate_port(used: set[int], rng: random.Random | None = None) -> int:
    """A random free nodePort above the static band first, then below it."""
    rand = rng or _rng
    band = _port_static_band()
    for low, high in (
        (NODE_PORT_MIN + band, NODE_PORT_MAX),
        (NODE_PORT_MIN, NODE_PORT_MIN + band - 1),
    ):
        start = rand.randint(low, high)
        span = high - low + 1
        for step in range(span):
            candidate = low + (start - low + step) % span
            if candidate not in used:
                return candidate
    raise RuntimeError("range is full")
