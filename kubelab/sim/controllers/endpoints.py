"""The Endpoints controller: an Endpoints object per Service with a selector, ready Pods in
`addresses`, the others in `notReadyAddresses`; nothing for Services without a selector (their
Endpoints are the user's); Endpoints removed with their Service."""

from __future__ import annotations

from collections.abc import Hashable

from kubelab.sim.controllers.backends import ServiceBackendsController, backends, service_labels
from kubelab.sim.controllers.base import ENDPOINTS, SERVICES, meta, rt
from kubelab.sim.objects import Obj


def desired_subsets(service: Obj, pods: list[Obj]) -> list[Obj]:
    """RepackSubsets: one subset per distinct port set, addresses sorted by IP."""
    groups: dict[tuple[tuple[str, int, str], ...], Obj] = {}
    for backend in backends(service, pods, include_terminating=False):
        subset = groups.setdefault(backend.ports, {"addresses": [], "notReadyAddresses": []})
        address: Obj = {"ip": backend.ip}
        if backend.hostname:
            address["hostname"] = backend.hostname
        node = (backend.pod.get("spec") or {}).get("nodeName")
        if node:
            address["nodeName"] = node
        address["targetRef"] = backend.target_ref()
        subset["addresses" if backend.ready else "notReadyAddresses"].append(address)
    subsets = []
    for ports, subset in groups.items():
        out: Obj = {}
        if subset["addresses"]:
            out["addresses"] = subset["addresses"]
        if subset["notReadyAddresses"]:
            out["notReadyAddresses"] = subset["notReadyAddresses"]
        if ports:
            out["ports"] = [
                {"name": name, "port": port, "protocol": proto} if name else
                {"port": port, "protocol": proto}
                for name, port, proto in ports
            ]  # fmt: skip
        subsets.append(out)
    return subsets


class EndpointsController(ServiceBackendsController):
    name = "endpoint-controller"

    def reconcile(self, item: Hashable) -> None:
        assert isinstance(item, tuple)
        namespace, name = item
        ep_rt = rt(self.store, ENDPOINTS)
        service = self.store.try_get(rt(self.store, SERVICES), namespace, name)
        current = self.store.try_get(ep_rt, namespace, name)
        if service is None:
            if current is not None:
                self.store.delete(ep_rt, namespace, name)
            return
        spec = service.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            return
        subsets = desired_subsets(service, self.pods_in(namespace, service))
        labels = service_labels(service)
        if current is None:
            created: Obj = {"metadata": {"name": name, "namespace": namespace, "labels": labels}}
            if subsets:
                created["subsets"] = subsets
            self.store.create(ep_rt, created, namespace=namespace)
            return
        if current.get("subsets", []) == subsets and (meta(current).get("labels") or {}) == labels:
            return

        def change(o: Obj) -> None:
            o["subsets"] = subsets
            if not subsets:
                o.pop("subsets", None)
            o["metadata"]["labels"] = labels

        self.store.mutate(ep_rt, namespace, name, change, hooks=False)
