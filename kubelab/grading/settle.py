"""Waiting for a namespace to settle after kubelab applies something (setup, a solution, a
learner's submission).

A learner reads a step before acting; the self-test and CI grading act within milliseconds. So
after applying, kubelab waits until the namespace's workloads have created their pods, every pod
has started (Ready), visibly failed (ImagePullBackOff, CrashLoopBackOff, ...) or cannot be
scheduled, pods being deleted are gone, and every Service with a selector has EndpointSlices
listing exactly the pods it selects, with their readiness. Watches on those kinds wake the wait
the moment something changes (polling is the fallback), so a settled namespace is seen within
milliseconds. Best effort with a timeout: a namespace that does not settle is not an error, the
checks that follow decide.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from kubelab.cluster.api_errors import ApiRejected
from kubelab.grading.changes import ChangeSignal, StepWatcher, WatchingApi
from kubelab.grading.context import ClusterApi, pod_is_ready, selector_matches
from kubelab.objects import Obj

WORKLOADS = (("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet"))
STARTING = frozenset({"", "ContainerCreating", "PodInitializing"})
SLICE = ("discovery.k8s.io/v1", "EndpointSlice")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
WATCHED = (*WORKLOADS, ("v1", "Pod"), ("v1", "Service"), SLICE)
FALLBACK_POLL = 0.25
"""Without a watch event, look again this often (a watch may be refused or lag)."""


def _workload_settled(obj: Obj) -> bool:
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation", 0)
    if status.get("observedGeneration", 0) < generation:
        return False
    wanted = (obj.get("spec") or {}).get("replicas", 1)
    return bool(status.get("replicas", 0) == wanted)


def _unschedulable(status: Obj) -> bool:
    return any(
        c.get("type") == "PodScheduled" and c.get("status") == "False"
        for c in status.get("conditions") or []
    )


def _pod_settled(pod: Obj) -> bool:
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False  # still going away
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed") or pod_is_ready(pod):
        return True
    if _unschedulable(status):
        return True  # no node will take it: the lesson may be about exactly that
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        waiting = state.get("waiting")
        if waiting is not None and waiting.get("reason", "") not in STARTING:
            return True  # visibly stuck: the lesson may be about exactly that
        if state.get("terminated") is not None:
            return True
    return False


def _listed(client: ClusterApi, api_version: str, kind: str, namespace: str) -> list[Obj] | None:
    """The objects of a kind, None when the kind is not served here or not ours to list."""
    try:
        return client.list(api_version, kind, namespace)
    except ApiRejected as exc:
        if exc.status_code in (403, 404):
            return None
        raise


def _resolves_a_port(service_ports: list[Any], pod: Obj) -> bool:
    """Whether the EndpointSlice controller lists `pod` for these ports: a numeric (or absent)
    targetPort always resolves, a named one only to a container port of that name
    (kubernetes pkg/api/v1/pod/util.go FindPort)."""
    if not service_ports:
        return True
    names = {
        port.get("name")
        for container in (pod.get("spec") or {}).get("containers") or []
        for port in container.get("ports") or []
    }
    for port in service_ports:
        target = port.get("targetPort") if isinstance(port, dict) else None
        if not isinstance(target, str) or target in names:
            return True
    return False


def _expected_endpoints(service: Obj, pods: list[Obj]) -> dict[str, bool]:
    """Pod IP -> ready, for the pods the Service's EndpointSlices must list
    (kubernetes pkg/controller/endpointslice: pods with an IP, not finished, that resolve a
    port; ready when Ready and not terminating, or the Service publishes not-ready addresses)."""
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    tolerate = bool(spec.get("publishNotReadyAddresses"))
    expected: dict[str, bool] = {}
    for pod in pods:
        status = pod.get("status") or {}
        metadata = pod.get("metadata") or {}
        if not selector_matches(selector, metadata.get("labels")):
            continue
        if not status.get("podIP") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        if not _resolves_a_port(spec.get("ports") or [], pod):
            continue
        terminating = bool(metadata.get("deletionTimestamp"))
        expected[str(status["podIP"])] = (pod_is_ready(pod) or tolerate) and not terminating
    return expected


def _listed_endpoints(slices: list[Obj]) -> Iterator[tuple[str, bool]]:
    """Address -> ready, as the slices list them (a missing `ready` means ready)."""
    for piece in slices:
        for endpoint in piece.get("endpoints") or []:
            ready = (endpoint.get("conditions") or {}).get("ready")
            for address in endpoint.get("addresses") or []:
                yield str(address), ready is not False


def _endpoints_computed(service: Obj, pods: list[Obj], slices: list[Obj]) -> bool:
    """A Service with a selector has EndpointSlices that list exactly the pods it selects."""
    spec = service.get("spec") or {}
    if not spec.get("selector") or spec.get("type") == "ExternalName":
        return True
    name = (service.get("metadata") or {}).get("name")
    own = [
        s
        for s in slices
        if ((s.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL) == name
    ]
    if not own:
        return False
    return dict(_listed_endpoints(own)) == _expected_endpoints(service, pods)


def is_settled(client: ClusterApi, namespace: str) -> bool:
    for api_version, kind in WORKLOADS:
        workloads = _listed(client, api_version, kind, namespace)
        if workloads is not None and not all(_workload_settled(o) for o in workloads):
            return False
    pods = client.list("v1", "Pod", namespace)
    if not all(_pod_settled(p) for p in pods):
        return False
    slices = _listed(client, *SLICE, namespace)
    if slices is None:
        return True  # no EndpointSlice API here: nothing to wait for
    services = client.list("v1", "Service", namespace)
    return all(_endpoints_computed(s, pods, slices) for s in services)


def wait_settled(
    client: ClusterApi, namespace: str, timeout: float = 30.0, interval: float = FALLBACK_POLL
) -> bool:
    """True once the namespace settled, False when `timeout` ran out first. With a client
    that can watch, every change in the namespace wakes the wait at once."""
    deadline = time.monotonic() + timeout
    signal = ChangeSignal()
    watcher = (
        StepWatcher(client, namespace, WATCHED, signal) if isinstance(client, WatchingApi) else None
    )
    try:
        while True:
            seen = signal.generation
            if is_settled(client, namespace):
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if watcher is not None:
                watcher.ensure_started()
            signal.wait(seen, min(interval, remaining))
    finally:
        if watcher is not None:
            watcher.stop()
