"""The live map of a namespace: Services -> selector -> endpoints -> pods and their nodes.

`NamespaceObjects` keeps the latest copy of every watched object (fed by watch events);
`build_map` turns them into rows the map widget draws. Pure data: no textual here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubelab.objects import Obj


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _name(obj: Mapping[str, Any]) -> str:
    return str(_meta(obj).get("name") or "")


@dataclass
class NamespaceObjects:
    """The latest Services, EndpointSlices and Pods of one namespace, by name."""

    by_kind: dict[str, dict[str, Obj]] = field(default_factory=dict)
    revision: int = 0

    def resync(self, kind: str) -> None:
        """A watch of `kind` (re)started: it will send every existing object again."""
        self.by_kind[kind] = {}
        self.revision += 1

    def apply_event(self, kind: str, event: Mapping[str, Any]) -> bool:
        """Fold one watch event in; whether anything changed."""
        kind_objects = self.by_kind.setdefault(kind, {})
        obj = event.get("object")
        etype = event.get("type")
        if not isinstance(obj, dict) or etype not in ("ADDED", "MODIFIED", "DELETED"):
            return False
        name = _name(obj)
        if etype == "DELETED":
            if kind_objects.pop(name, None) is None:
                return False
        else:
            kind_objects[name] = obj
        self.revision += 1
        return True

    def of(self, kind: str) -> list[Obj]:
        return [self.by_kind.get(kind, {})[k] for k in sorted(self.by_kind.get(kind, {}))]


@dataclass(frozen=True)
class PodRow:
    name: str
    ip: str
    ready: bool
    node: str
    phase: str


@dataclass(frozen=True)
class EndpointRow:
    address: str
    ready: bool
    pod: str | None
    node: str | None


@dataclass(frozen=True)
class ServiceRow:
    name: str
    type: str
    cluster_ip: str
    ports: str
    selector: dict[str, str]
    endpoints: list[EndpointRow]
    pods: list[PodRow]
    """Pods the selector matches (ready or not)."""
    external_name: str | None = None
    """The DNS name an ExternalName Service is an alias for."""
    managed_by: str | None = None
    """Who keeps the endpoints of a Service without a selector (its EndpointSlices' label)."""

    @property
    def kind_of_backends(self) -> str:
        """Where the Service's endpoints come from, in words."""
        if self.type == "ExternalName":
            return "alias"
        if self.selector:
            return "selector"
        if self.managed_by == APISERVER:
            return "apiserver"
        if self.managed_by == MIRRORING:
            return "mirrored"
        return "own-slices"

    @property
    def selects_nothing(self) -> bool:
        """A selector that matches no pod: the Service has nowhere to send traffic."""
        return bool(self.selector) and not self.pods


@dataclass(frozen=True)
class NamespaceMap:
    services: list[ServiceRow]
    unselected_pods: list[PodRow]
    """Pods no Service selects."""


def _pod_ready(pod: Mapping[str, Any]) -> bool:
    status = pod.get("status") or {}
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False


def _pod_row(pod: Mapping[str, Any]) -> PodRow:
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    return PodRow(
        name=_name(pod),
        ip=str(status.get("podIP") or "-"),
        ready=_pod_ready(pod),
        node=str(spec.get("nodeName") or "-"),
        phase=str(status.get("phase") or "Pending"),
    )


def _matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _ports(service: Mapping[str, Any]) -> str:
    spec = service.get("spec") or {}
    shown = []
    for port in spec.get("ports") or []:
        text = f"{port.get('port')}"
        target = port.get("targetPort")
        if target is not None and str(target) != str(port.get("port")):
            text += f"->{target}"
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        text += f"/{port.get('protocol') or 'TCP'}"
        shown.append(text)
    return ",".join(shown) or "-"


#: who keeps a selectorless Service's EndpointSlices (their endpointslice.kubernetes.io/managed-by)
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MIRRORING = "endpointslicemirroring-controller.k8s.io"
APISERVER = "kube-apiserver"


def _managed_by(slices: list[Obj], service: Mapping[str, Any], namespace: str | None) -> str | None:
    """Who keeps the endpoints of a Service without a selector. The API server keeps those of
    `default/kubernetes` (its own addresses: pkg/controlplane/reconcilers), the mirroring
    controller copies an Endpoints object the learner wrote into EndpointSlices (labelled
    managed-by; the API server labels its own slice with the service name only, see
    pkg/controlplane/reconcilers/endpointsadapter.go), anything
    else is EndpointSlices someone created."""
    name = _name(service)
    if name == "kubernetes" and (namespace or _meta(service).get("namespace")) == "default":
        return APISERVER
    for item in slices:
        labels = _meta(item).get("labels") or {}
        if labels.get("kubernetes.io/service-name") == name and labels.get(MANAGED_BY):
            return str(labels[MANAGED_BY])
    return None


def _endpoints(slices: list[Obj], service: str) -> list[EndpointRow]:
    rows = []
    for item in slices:
        labels = _meta(item).get("labels") or {}
        if labels.get("kubernetes.io/service-name") != service:
            continue
        for endpoint in item.get("endpoints") or []:
            conditions = endpoint.get("conditions") or {}
            target = endpoint.get("targetRef") or {}
            for address in endpoint.get("addresses") or []:
                rows.append(
                    EndpointRow(
                        address=str(address),
                        ready=conditions.get("ready") is not False,
                        pod=target.get("name") if target.get("kind") == "Pod" else None,
                        node=endpoint.get("nodeName"),
                    )
                )
    return sorted(rows, key=lambda row: row.address)


def build_map(objects: NamespaceObjects, namespace: str | None = None) -> NamespaceMap:
    pods = objects.of("Pod")
    slices = objects.of("EndpointSlice")
    selected: set[str] = set()
    services = []
    for service in objects.of("Service"):
        spec = service.get("spec") or {}
        selector = {str(k): str(v) for k, v in (spec.get("selector") or {}).items()}
        matched = [
            _pod_row(pod)
            for pod in pods
            if selector and _matches(selector, _meta(pod).get("labels") or {})
        ]
        selected.update(row.name for row in matched)
        services.append(
            ServiceRow(
                name=_name(service),
                type=str(spec.get("type") or "ClusterIP"),
                cluster_ip=str(spec.get("clusterIP") or "-"),
                ports=_ports(service),
                selector=selector,
                endpoints=_endpoints(slices, _name(service)),
                pods=matched,
                external_name=str(spec["externalName"]) if spec.get("externalName") else None,
                managed_by=None if selector else _managed_by(slices, service, namespace),
            )
        )
    unselected = [_pod_row(pod) for pod in pods if _name(pod) not in selected]
    return NamespaceMap(services=services, unselected_pods=unselected)
