"""Host port mapping (kind's extraPortMappings, cloud-provider-kind's port on the host): every
NodePort is served for real on 127.0.0.1:<nodePort>, and every LoadBalancer Service with an
ingress IP on 127.0.0.1:<port> when free, else on an ephemeral port. Requests are answered by
the data plane (`kubelab.sim.dataplane.hostport.host_handler`). Only loopback is ever bound.

What is served (or why not) is announced in an event and kept out of band, as a real cluster
adds nothing to the Service: the runtime table's `host-ports/<namespace>/<service>` holds a list
of `{"kind": "NodePort"|"LoadBalancer", "port", "protocol", "nodePort"?, "address"|"error"}`,
which the API server serves at `/kubelab.dev/v1/host-ports` (`server/host_ports.py`).
When a host port is taken the Service still works inside the cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from kubelab.sim.controllers.base import SERVICES, Controller, log, ns_name, rt
from kubelab.sim.controllers.events import NORMAL, WARNING, record
from kubelab.sim.controllers.loadbalancer import ingress_ips
from kubelab.sim.objects import Obj
from kubelab.sim.runtime_table import HOST_PORTS

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

HOST = "127.0.0.1"
COMPONENT = "kubelab-host-ports"

Key = tuple[str, str, str, int]  # namespace, service, kind, service port


@dataclass
class Mapping:
    wanted: int  # the host port asked for (0: any)
    address: str = ""
    error: str = ""
    server: asyncio.AbstractServer | None = None
    nodeport: int = 0
    protocol: str = "TCP"


def desired(service: Obj) -> dict[Key, tuple[int, int, str]]:
    """(wanted host port, nodePort, protocol) per mapping the Service should have."""
    namespace, name = ns_name(service)
    spec = service.get("spec") or {}
    kind = spec.get("type")
    out: dict[Key, tuple[int, int, str]] = {}
    if kind not in ("NodePort", "LoadBalancer"):
        return out
    for port in spec.get("ports") or []:
        protocol = str(port.get("protocol", "TCP"))
        if protocol != "TCP":
            continue
        number = int(port.get("port") or 0)
        node_port = int(port.get("nodePort") or 0)
        if node_port:
            out[(namespace, name, "NodePort", number)] = (node_port, node_port, protocol)
        if kind == "LoadBalancer" and ingress_ips(service):
            out[(namespace, name, "LoadBalancer", number)] = (number, node_port, protocol)
    return out


def _handler(store: Any, namespace: str, service: str, port: int) -> Any:
    from kubelab.sim.dataplane.hostport import host_handler

    return host_handler(store, namespace, service, port)


class HostPortController(Controller):
    name = "host-ports"
    keys = frozenset({SERVICES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._mappings: dict[Key, Mapping] = {}
        self._opening: set[Key] = set()
        # what a previous run published is stale: this run opens its own listeners
        for key in self.store.runtime_keys(HOST_PORTS):
            self.store.runtime_delete(key)

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        return [ns_name(event.obj)]

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, SERVICES), copy_items=False).items
        return [ns_name(s) for s in items if (s.get("spec") or {}).get("type") in
                ("NodePort", "LoadBalancer")]  # fmt: skip

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        service = self.store.try_get(rt(self.store, SERVICES), namespace, name)
        wanted = desired(service) if service is not None else {}
        for key in [k for k in self._mappings if k[:2] == (namespace, name)]:
            mapping = self._mappings[key]
            spec = wanted.get(key)
            if spec is None or spec[0] != mapping.wanted or mapping.server is None:
                self._close(key)  # gone, changed, or failed before: try again
        for key, (port, node_port, protocol) in wanted.items():
            if key in self._mappings or key in self._opening:
                continue
            self._opening.add(key)
            task = asyncio.get_running_loop().create_task(
                self._open(key, port, node_port, protocol)
            )
            task.add_done_callback(_report_failure)
        self._publish(namespace, name)

    async def _open(self, key: Key, port: int, node_port: int, protocol: str) -> None:
        namespace, name, kind, service_port = key
        loop = asyncio.get_running_loop()
        factory = web.Server(_handler(self.store, namespace, name, service_port))
        mapping = Mapping(port, nodeport=node_port, protocol=protocol)
        attempts = [port, 0] if kind == "LoadBalancer" else [port]
        for attempt in attempts:
            try:
                mapping.server = await loop.create_server(factory, HOST, attempt)
            except OSError as e:
                mapping.error = f"{HOST}:{attempt} is not available: {e.strerror or e}"
                continue
            sockets: list[Any] = list(mapping.server.sockets or [])
            bound = sockets[0].getsockname()[1] if sockets else attempt
            mapping.address = f"{HOST}:{bound}"
            mapping.error = ""
            break
        self._opening.discard(key)
        service = self.store.try_get(rt(self.store, SERVICES), namespace, name)
        still = service is not None and desired(service).get(key, (None,))[0] == port
        if not still:
            if mapping.server is not None:
                mapping.server.close()
            return
        assert service is not None
        self._mappings[key] = mapping
        what = f"{service_port}/{protocol}"
        with self.store.transaction():
            if mapping.address:
                via = f"nodePort {node_port}" if kind == "NodePort" else "its load balancer"
                record(
                    self.store,
                    service,
                    NORMAL,
                    "HostPortMapped",
                    f"Port {what} ({via}) is served on the host at http://{mapping.address}/",
                    COMPONENT,
                )
            else:
                record(
                    self.store,
                    service,
                    WARNING,
                    "HostPortUnavailable",
                    f"Port {what} cannot be served on the host: {mapping.error}; the Service "
                    "works inside the cluster only",
                    COMPONENT,
                )
            self._publish(namespace, name)

    def _publish(self, namespace: str, name: str) -> None:
        """Record where the host serves the Service's ports (or why it cannot)."""
        entries = []
        for key, mapping in sorted(self._mappings.items()):
            if key[:2] != (namespace, name):
                continue
            entry: Obj = {"kind": key[2], "port": key[3], "protocol": mapping.protocol}
            if mapping.nodeport:
                entry["nodePort"] = mapping.nodeport
            if mapping.address:
                entry["address"] = mapping.address
            else:
                entry["error"] = mapping.error
            entries.append(entry)
        published = f"{HOST_PORTS}{namespace}/{name}"
        if not entries:
            self.store.runtime_delete(published)
        elif self.store.runtime_get(published) != entries:
            self.store.runtime_set(published, entries)

    def _close(self, key: Key) -> None:
        mapping = self._mappings.pop(key, None)
        if mapping is not None and mapping.server is not None:
            mapping.server.close()

    def stop(self) -> None:
        for key in list(self._mappings):
            self._close(key)


def _report_failure(task: asyncio.Task[None]) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        error = task.exception()
        if error is not None:
            log.error("host-ports: opening a listener failed: %r", error)
