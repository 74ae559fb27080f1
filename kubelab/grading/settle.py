"""Waiting for a namespace to settle after kubelab applies something (setup, a solution).

A learner reads a step before acting; the self-test acts within milliseconds. So after applying,
the self-test waits until the namespace's workloads have created their pods and every pod has
started (Ready) or visibly failed (ImagePullBackOff, CrashLoopBackOff, ...), and pods being
deleted are gone. Best effort with a timeout: a namespace that does not settle is not an error,
the checks that follow decide.
"""

from __future__ import annotations

import time

from kubelab.cluster.api_errors import ApiRejected
from kubelab.grading.context import ClusterApi, pod_is_ready
from kubelab.objects import Obj

WORKLOADS = (("apps/v1", "Deployment"), ("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet"))
STARTING = frozenset({"", "ContainerCreating", "PodInitializing"})


def _workload_settled(obj: Obj) -> bool:
    status = obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation", 0)
    if status.get("observedGeneration", 0) < generation:
        return False
    wanted = (obj.get("spec") or {}).get("replicas", 1)
    return bool(status.get("replicas", 0) == wanted)


def _pod_settled(pod: Obj) -> bool:
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False  # still going away
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed") or pod_is_ready(pod):
        return True
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        waiting = state.get("waiting")
        if waiting is not None and waiting.get("reason", "") not in STARTING:
            return True  # visibly stuck: the lesson may be about exactly that
        if state.get("terminated") is not None:
            return True
    return False


def is_settled(client: ClusterApi, namespace: str) -> bool:
    for api_version, kind in WORKLOADS:
        try:
            workloads = client.list(api_version, kind, namespace)
        except ApiRejected as exc:
            if exc.status_code in (403, 404):  # not served here, or not ours to list
                continue
            raise
        if not all(_workload_settled(o) for o in workloads):
            return False
    return all(_pod_settled(p) for p in client.list("v1", "Pod", namespace))


def wait_settled(
    client: ClusterApi, namespace: str, timeout: float = 30.0, interval: float = 0.05
) -> bool:
    """True once the namespace settled, False when `timeout` ran out first."""
    deadline = time.monotonic() + timeout
    while True:
        if is_settled(client, namespace):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
