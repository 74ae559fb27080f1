"""The EndpointSlice controller: slices (`<service>-<random>`) for every Service with a
selector, one per distinct port mapping, with ready/serving/terminating conditions; a
placeholder slice when nothing backs the Service. Services without a selector are left to
their user (and to the mirroring controller)."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from kubelab.sim.controllers.backends import (
    Backend,
    ServiceBackendsController,
    backends,
    service_labels,
)
from kubelab.sim.controllers.base import (
    SERVICES,
    SLICES,
    meta,
    owner_ref,
    rt,
)
from kubelab.sim.kinds.endpointslices import MANAGED_BY_LABEL, SERVICE_NAME_LABEL
from kubelab.sim.objects import Obj

MANAGER = "endpointslice-controller.k8s.io"
MAX_ENDPOINTS_PER_SLICE = 100  # kube-controller-manager's --max-endpoints-per-slice default


def slice_endpoint(backend: Backend) -> Obj:
    endpoint: Obj = {
        "addresses": [backend.ip],
        "conditions": {
            "ready": backend.ready,
            "serving": backend.ready or (backend.terminating and _pod_ready(backend.pod)),
            "terminating": backend.terminating,
        },
        "targetRef": backend.target_ref(),
    }
    node = (backend.pod.get("spec") or {}).get("nodeName")
    if node:
        endpoint["nodeName"] = node
    if backend.hostname:
        endpoint["hostname"] = backend.hostname
    return endpoint


def _pod_ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def desired_slices(service: Obj, pods: list[Obj]) -> list[tuple[list[Obj] | None, list[Obj]]]:
    """(ports, endpoints) per slice; a placeholder (None, []) when nothing backs the Service."""
    groups: dict[tuple[tuple[str, int, str], ...], list[Obj]] = {}
    for backend in backends(service, pods, include_terminating=True):
        groups.setdefault(backend.ports, []).append(slice_endpoint(backend))
    if not groups:
        return [(None, [])]
    out: list[tuple[list[Obj] | None, list[Obj]]] = []
    for ports, endpoints in groups.items():
        port_list = [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports]
        for start in range(0, len(endpoints), MAX_ENDPOINTS_PER_SLICE):
            out.append((port_list, endpoints[start : start + MAX_ENDPOINTS_PER_SLICE]))
    return out


def owned_slices(store: Any, namespace: str, service: str, manager: str) -> list[Obj]:
    items: list[Obj] = store.list(rt(store, SLICES), namespace, copy_items=False).items
    return [
        s
        for s in items
        if (meta(s).get("labels") or {}).get(SERVICE_NAME_LABEL) == service
        and (meta(s).get("labels") or {}).get(MANAGED_BY_LABEL) == manager
    ]


def write_slices(
    store: Any,
    namespace: str,
    service_name: str,
    owner: Obj,
    labels: dict[str, str],
    wanted: list[tuple[list[Obj] | None, list[Obj]]],
    manager: str,
) -> None:
    """Make the manager's slices of a Service exactly `wanted` (reusing existing ones)."""
    slices_rt = rt(store, SLICES)
    existing = owned_slices(store, namespace, service_name, manager)
    all_labels = {**labels, SERVICE_NAME_LABEL: service_name, MANAGED_BY_LABEL: manager}
    remaining = list(existing)
    for ports, endpoints in wanted:
        match = next((s for s in remaining if s.get("ports") == ports), None)
        if match is None and remaining:
            match = remaining[0]
        if match is not None:
            remaining.remove(match)
            same = (
                match.get("ports") == ports
                and (match.get("endpoints") or []) == endpoints
                and (meta(match).get("labels") or {}) == all_labels
            )
            if same:
                continue

            def change(o: Obj, ports: list[Obj] | None = ports, eps: list[Obj] = endpoints) -> None:
                o["metadata"]["labels"] = all_labels
                _fill(o, ports, eps)

            store.mutate(slices_rt, namespace, str(meta(match)["name"]), change, hooks=False)
            continue
        obj: Obj = {
            "metadata": {
                "generateName": f"{service_name}-",
                "namespace": namespace,
                "labels": all_labels,
                "ownerReferences": [owner_ref(owner)],
            },
            "addressType": "IPv4",
        }
        _fill(obj, ports, endpoints)
        store.create(slices_rt, obj, namespace=namespace)
    for stale in remaining:
        store.delete(slices_rt, namespace, str(meta(stale)["name"]))


def _fill(obj: Obj, ports: list[Obj] | None, endpoints: list[Obj]) -> None:
    if ports is None:
        obj.pop("ports", None)
    else:
        obj["ports"] = ports
    if endpoints:
        obj["endpoints"] = endpoints
    else:
        obj.pop("endpoints", None)


class EndpointSliceController(ServiceBackendsController):
    name = "endpointslice-controller"

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        service = self.store.try_get(rt(self.store, SERVICES), namespace, name)
        if service is None:
            return  # its slices go with it (ownerReferences)
        spec = service.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            return
        wanted = desired_slices(service, self.pods_in(namespace, service))
        write_slices(self.store, namespace, name, service, service_labels(service), wanted, MANAGER)
