"""The EndpointSlice mirroring controller: hand-written Endpoints of a Service without a
selector are mirrored into EndpointSlices (never the other way round), so everything reading
slices (`kubectl describe svc`, DNS, the data plane) sees them; Endpoints labelled
`endpointslice.kubernetes.io/skip-mirror: "true"` are left alone."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import ENDPOINTS, SERVICES, SLICES, Controller, meta, ns_name, rt
from kubelab.sim.controllers.endpointslice import owned_slices, write_slices
from kubelab.sim.kinds.endpointslices import MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

MANAGER = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
_DROPPED_LABELS = (SKIP_MIRROR, SERVICE_NAME_LABEL, MANAGED_BY_LABEL)


def mirrored(endpoints: Obj) -> list[tuple[list[Obj] | None, list[Obj]]]:
    wanted: list[tuple[list[Obj] | None, list[Obj]]] = []
    for subset in endpoints.get("subsets") or []:
        ports = [
            {"name": p.get("name", ""), "port": p.get("port"), "protocol": p.get("protocol", "TCP")}
            for p in subset.get("ports") or []
        ]
        eps: list[Obj] = []
        for kind, ready in (("addresses", True), ("notReadyAddresses", False)):
            for address in subset.get(kind) or []:
                ep: Obj = {
                    "addresses": [address.get("ip")],
                    "conditions": {"ready": ready},
                }
                if address.get("hostname"):
                    ep["hostname"] = address["hostname"]
                if address.get("nodeName"):
                    ep["nodeName"] = address["nodeName"]
                if address.get("targetRef"):
                    ep["targetRef"] = address["targetRef"]
                eps.append(ep)
        if eps:
            wanted.append((ports, eps))
    return wanted


class EndpointSliceMirroringController(Controller):
    name = "endpointslicemirroring-controller"
    keys = frozenset({ENDPOINTS, SERVICES, SLICES})

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == SLICES:
            labels = meta(event.obj).get("labels") or {}
            if labels.get(MANAGED_BY_LABEL) == MANAGER:
                return [(ns_name(event.obj)[0], str(labels.get(SERVICE_NAME_LABEL)))]
            return ()
        return [ns_name(event.obj)]

    def all_items(self) -> Iterable[Hashable]:
        items = self.store.list(rt(self.store, ENDPOINTS), copy_items=False).items
        return [ns_name(e) for e in items]

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        endpoints = self.store.try_get(rt(self.store, ENDPOINTS), namespace, name)
        service = self.store.try_get(rt(self.store, SERVICES), namespace, name)
        mirror = (
            endpoints is not None
            and service is not None
            and not (service.get("spec") or {}).get("selector")
            and (meta(endpoints).get("labels") or {}).get(SKIP_MIRROR) != "true"
        )
        if not mirror or endpoints is None:
            for stale in owned_slices(self.store, namespace, name, MANAGER):
                self.store.delete(rt(self.store, SLICES), namespace, str(meta(stale)["name"]))
            return
        labels = {
            k: v
            for k, v in (meta(endpoints).get("labels") or {}).items()
            if k not in _DROPPED_LABELS
        }
        write_slices(self.store, namespace, name, endpoints, labels, mirrored(endpoints), MANAGER)
