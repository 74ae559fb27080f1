"""Which Pods back a Service and on which ports: shared by the Endpoints and EndpointSlice
controllers (`pkg/controller/endpoint`, `pkg/controller/endpointslice`, `podutil.FindPort`)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kubelab.sim.controllers.base import (
    PODS,
    SERVICES,
    Controller,
    is_pod_ready,
    is_terminating,
    meta,
    ns_name,
    rt,
)
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import WatchEvent

HEADLESS_LABEL = "service.kubernetes.io/headless"


@dataclass(frozen=True)
class Backend:
    pod: Obj
    ip: str
    ready: bool
    terminating: bool
    ports: tuple[tuple[str, int, str], ...]  # (service port name, target port, protocol)
    hostname: str = ""  # the pod's hostname when its subdomain is this Service

    def target_ref(self) -> Obj:
        m = meta(self.pod)
        return {"kind": "Pod", "namespace": m.get("namespace"), "name": m.get("name"),
                "uid": m.get("uid")}  # fmt: skip


def find_port(pod: Obj, service_port: Obj) -> int | None:
    """The container port a Service port's targetPort means for this Pod (None: no such)."""
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol", "TCP")
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target and port.get("protocol", "TCP") == protocol:
                return int(port.get("containerPort"))
    return None


def selects(service: Obj, pod: Obj) -> bool:
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return False
    labels = meta(pod).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


def backends(service: Obj, pods: list[Obj], *, include_terminating: bool) -> list[Backend]:
    """The Service's backends among `pods` (same namespace), sorted by IP."""
    spec = service.get("spec") or {}
    tolerate_unready = bool(spec.get("publishNotReadyAddresses"))
    service_ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    out: list[Backend] = []
    for pod in pods:
        if not selects(service, pod):
            continue
        status = pod.get("status") or {}
        ip = status.get("podIP")
        if not ip or status.get("phase") in ("Succeeded", "Failed"):
            continue
        terminating = is_terminating(pod)
        if terminating and not include_terminating and not tolerate_unready:
            continue
        ports: list[tuple[str, int, str]] = []
        for sp in service_ports:
            number = find_port(pod, sp)
            if number is not None:
                ports.append((str(sp.get("name") or ""), number, str(sp.get("protocol", "TCP"))))
        if service_ports and not ports:
            continue
        ready = (is_pod_ready(pod) or tolerate_unready) and not terminating
        pod_spec = pod.get("spec") or {}
        hostname = ""
        if pod_spec.get("hostname") and pod_spec.get("subdomain") == meta(service).get("name"):
            hostname = str(pod_spec["hostname"])
        out.append(Backend(pod, str(ip), ready, terminating, tuple(ports), hostname))
    out.sort(key=lambda b: b.ip)
    return out


def service_labels(service: Obj) -> dict[str, str]:
    labels = dict(meta(service).get("labels") or {})
    if (service.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return labels


class SelectorIndex:
    """The Services of each namespace indexed by one pair of their selector, kept current
    from events: the Services a Pod with given labels may back."""

    def __init__(self, store: Any) -> None:
        from kubelab.sim.controllers.base import Index

        self._index = Index(store, "/services", _first_selector_pair)

    def services_for(self, namespace: str, label_sets: list[dict[str, str]]) -> list[str]:
        found: list[str] = []
        for labels in label_sets:
            for key, value in labels.items():
                for svc in self._index.get((namespace, key, str(value))):
                    name = str(meta(svc).get("name"))
                    selector = (svc.get("spec") or {}).get("selector") or {}
                    if name not in found and all(labels.get(k) == v for k, v in selector.items()):
                        found.append(name)
        return found

    def close(self) -> None:
        self._index.close()


def _first_selector_pair(service: Obj) -> list[tuple[str, str, str]]:
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return []
    key, value = sorted(selector.items())[0]
    return [(str(meta(service).get("namespace")), str(key), str(value))]


class PodIndex:
    """The Pods of each namespace by label pair, kept current from events: the candidates a
    selector may match without scanning every Pod."""

    def __init__(self, store: Any) -> None:
        from kubelab.sim.controllers.base import Index

        self._index = Index(store, "/pods", _label_pairs)

    def candidates(self, namespace: str, selector: dict[str, str]) -> list[Obj]:
        if not selector:
            return []
        lists = [self._index.get((namespace, k, str(v))) for k, v in selector.items()]
        return min(lists, key=len)

    def close(self) -> None:
        self._index.close()


def _label_pairs(pod: Obj) -> list[tuple[str, str, str]]:
    m = meta(pod)
    namespace = str(m.get("namespace"))
    return [(namespace, k, str(v)) for k, v in (m.get("labels") or {}).items()]


class ServiceBackendsController(Controller):
    """What the Endpoints and EndpointSlice controllers share: a Service is reconciled when it
    changes or when a pod its selector may pick appears, changes labels or goes."""

    keys = frozenset({SERVICES, PODS})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pods = PodIndex(self.store)
        self._selectors = SelectorIndex(self.store)

    def stop(self) -> None:
        self._pods.close()
        self._selectors.close()

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        if event.key == SERVICES:
            return [ns_name(event.obj)]
        namespace = ns_name(event.obj)[0]
        labels = [meta(event.obj).get("labels") or {}]
        if event.old is not None:
            labels.append(meta(event.old).get("labels") or {})
        return [(namespace, name) for name in self._selectors.services_for(namespace, labels)]

    def all_items(self) -> Iterable[Hashable]:
        services = self.store.list(rt(self.store, SERVICES), copy_items=False).items
        return [ns_name(s) for s in services]

    def pods_in(self, namespace: str, service: Obj) -> list[Obj]:
        return self._pods.candidates(namespace, (service.get("spec") or {}).get("selector") or {})
