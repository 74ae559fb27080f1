"""The Service selects pods, but some (or all) of them are not Ready."""

from __future__ import annotations

from kubelab.grading.context import pod_is_ready
from kubelab.grading.diagnose.facts import ServiceFacts, pod_name
from kubelab.objects import Obj


def why_not_ready(pod: Obj) -> str:
    status = pod.get("status") or {}
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        if waiting.get("reason"):
            return str(waiting["reason"])
        terminated = state.get("terminated") or {}
        if terminated.get("reason"):
            return str(terminated["reason"])
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return str(status.get("phase") or "Unknown")


def rule(facts: ServiceFacts) -> str | None:
    pods = facts.selected_pods
    not_ready = [p for p in pods if not pod_is_ready(p)]
    if not not_ready:
        return None
    listed = ", ".join(f"{pod_name(p)} ({why_not_ready(p)})" for p in not_ready[:4])
    more = f" and {len(not_ready) - 4} more" if len(not_ready) > 4 else ""
    return (
        f"{len(not_ready)} of the {len(pods)} pods Service {facts.name} selects are not Ready: "
        f"{listed}{more}; only Ready pods become endpoints"
    )
