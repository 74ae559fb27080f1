"""An in-memory stand-in for KubeClient, so the grader's logic is tested without a cluster."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from kubelab.cluster.base import ClusterUnreachable
from kubelab.cluster.client import ApiRejected, ExecResult
from kubelab.grading.context import CheckContext, selector_matches

ExecHandler = Callable[[str, list[str]], ExecResult]


class FakeClient:
    def __init__(self, namespace: str = "lab") -> None:
        self.namespace = namespace
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.exec_handler: ExecHandler | None = None
        self.unreachable = False
        self.calls = 0
        self.on_call: Callable[[FakeClient], None] | None = None
        # answers to GET of paths outside the resource API (e.g. the simulator's host ports)
        self.paths: dict[str, dict[str, Any]] = {}

    def _tick(self) -> None:
        self.calls += 1
        if self.on_call is not None:
            self.on_call(self)
        if self.unreachable:
            raise ClusterUnreachable("the cluster at https://127.0.0.1:1 does not answer")

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        obj = copy.deepcopy(obj)
        meta = obj.setdefault("metadata", {})
        if obj["kind"] not in ("Namespace", "Node"):
            meta.setdefault("namespace", self.namespace)
        self.objects[(obj["kind"], meta.get("namespace", ""), meta["name"])] = obj
        return obj

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        self._tick()
        ns = "" if kind in ("Namespace", "Node") else (namespace or self.namespace)
        found = self.objects.get((kind, ns, name))
        return copy.deepcopy(found) if found else None

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: Mapping[str, str] | str | None = None,
        *,
        all_namespaces: bool = False,
    ) -> list[dict[str, Any]]:
        self._tick()
        if kind in ("ServiceCIDR", "StatefulSet"):
            raise ApiRejected(404, "NotFound", f"no {kind} here")
        ns = namespace or self.namespace
        out = []
        for (k, obj_ns, _), obj in sorted(self.objects.items()):
            if k != kind or (not all_namespaces and obj_ns != ns and obj_ns != ""):
                continue
            if isinstance(label_selector, Mapping) and not selector_matches(
                label_selector, obj["metadata"].get("labels")
            ):
                continue
            out.append(copy.deepcopy(obj))
        return out

    def read_path(self, path: str) -> dict[str, Any]:
        self._tick()
        if self.unreachable:
            raise ClusterUnreachable("the cluster does not answer")
        return copy.deepcopy(self.paths.get(path, {}))

    def is_namespaced(self, api_version: str, kind: str) -> bool:
        return kind not in ("Namespace", "Node")

    def apply(self, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        self._tick()
        obj = copy.deepcopy(obj)
        if namespace:
            obj.setdefault("metadata", {})["namespace"] = namespace
        return self.add(obj)

    def create(self, obj: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        self._tick()
        meta = obj.get("metadata", {})
        key = (obj["kind"], namespace or self.namespace, meta["name"])
        if key in self.objects:
            raise ApiRejected(409, "AlreadyExists", f"{meta['name']} already exists")
        return self.apply(obj, namespace or self.namespace)

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        grace_period_seconds: int | None = None,
    ) -> bool:
        self._tick()
        ns = "" if kind in ("Namespace", "Node") else (namespace or self.namespace)
        return self.objects.pop((kind, ns, name), None) is not None

    def ensure_namespace(
        self, name: str, labels: Mapping[str, str] | None = None, *, vetted: bool = False
    ) -> dict[str, Any]:
        existing = self.get("v1", "Namespace", name)
        if existing:
            return existing
        return self.add(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "labels": dict(labels or {})},
            }
        )

    def delete_namespace(self, name: str) -> bool:
        for key in [k for k in self.objects if k[1] == name]:
            del self.objects[key]
        return self.delete("v1", "Namespace", name)

    def exec(
        self,
        pod: str,
        command: list[str],
        namespace: str | None = None,
        container: str | None = None,
        timeout: float = 30.0,
    ) -> ExecResult:
        self._tick()
        if self.exec_handler is None:
            raise AssertionError(f"unexpected exec {command} in {pod}")
        return self.exec_handler(pod, command)


def pod(
    name: str,
    labels: dict[str, str],
    ip: str,
    *,
    ready: bool = True,
    ports: list[dict[str, Any]] | None = None,
    waiting: str | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "phase": "Running" if ready or waiting is None else "Pending",
        "podIP": ip,
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    if waiting:
        status["phase"] = "Pending"
        status["containerStatuses"] = [{"name": "c", "state": {"waiting": {"reason": waiting}}}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx", "ports": ports or []}]},
        "status": status,
    }


def service(
    name: str,
    selector: dict[str, str] | None,
    *,
    port: int = 80,
    target: int | str | None = None,
    cluster_ip: str = "10.96.0.50",
    node_port: int | None = None,
) -> dict[str, Any]:
    spec_port: dict[str, Any] = {"port": port, "protocol": "TCP", "targetPort": target or port}
    if node_port is not None:
        spec_port["nodePort"] = node_port
    spec: dict[str, Any] = {"ports": [spec_port], "clusterIP": cluster_ip}
    if selector is not None:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def endpoint_slice(
    service_name: str, ready: list[str], not_ready: tuple[str, ...] = ()
) -> dict[str, Any]:
    endpoints = [{"addresses": [ip], "conditions": {"ready": True}} for ip in ready]
    endpoints += [{"addresses": [ip], "conditions": {"ready": False}} for ip in not_ready]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{service_name}-abc",
            "labels": {"kubernetes.io/service-name": service_name},
        },
        "addressType": "IPv4",
        "endpoints": endpoints,
    }


class Builders:
    pod = staticmethod(pod)
    service = staticmethod(service)
    endpoint_slice = staticmethod(endpoint_slice)


@pytest.fixture
def fake() -> FakeClient:
    return FakeClient()


@pytest.fixture
def ctx(fake: FakeClient) -> CheckContext:
    return CheckContext(client=fake, namespace="lab", bindings={"namespace": "lab"})


@pytest.fixture
def build() -> type[Builders]:
    return Builders
