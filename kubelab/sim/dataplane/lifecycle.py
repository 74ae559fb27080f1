"""The container runtime's report when a container's main process ends (seen through attach:
`kubectl run -i --tty ... -- sh` then `exit`, or a one-shot command such as `nslookup`).

The container is restarted in place when the pod's restartPolicy says so (restartCount + 1,
last state terminated), else it stays terminated with the exit code, and the pod becomes
Succeeded or Failed once every container has ended, so `kubectl run --rm -it --restart=Never`
sees the pod complete, deletes it and exits with the container's code.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubelab.sim import errors
from kubelab.sim.dataplane import pods


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_exit(pod: dict[str, Any], container: str, code: int) -> dict[str, Any]:
    """The pod with `container`'s main process ended with `code` (changes `pod` in place)."""
    stamp = _now()
    policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
    restart = policy == "Always" or (policy == "OnFailure" and code != 0)
    status = pod.setdefault("status", {})
    for es in status.get("ephemeralContainerStatuses") or []:
        if es.get("name") == container:  # `kubectl debug`'s: never restarted
            running = (es.get("state") or {}).get("running") or {}
            es["state"] = {
                "terminated": {
                    "exitCode": code,
                    "reason": "Completed" if code == 0 else "Error",
                    "startedAt": running.get("startedAt", stamp),
                    "finishedAt": stamp,
                    "containerID": es.get("containerID") or "",
                }
            }
            return pod
    statuses = status.get("containerStatuses") or []
    for cs in statuses:
        if cs.get("name") != container:
            continue
        running = (cs.get("state") or {}).get("running") or {}
        terminated = {
            "exitCode": code,
            "reason": "Completed" if code == 0 else "Error",
            "startedAt": running.get("startedAt", stamp),
            "finishedAt": stamp,
            "containerID": cs.get("containerID") or f"containerd://{secrets.token_hex(32)}",
        }
        if restart:
            cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
            cs["lastState"] = {"terminated": terminated}
            cs["state"] = {"running": {"startedAt": stamp}}
        else:
            cs["state"] = {"terminated": terminated}
            cs["ready"] = False
            cs["started"] = False
    all_done = bool(statuses) and all("terminated" in (cs.get("state") or {}) for cs in statuses)
    if all_done:
        codes = [int(cs["state"]["terminated"].get("exitCode", 0)) for cs in statuses]
        status["phase"] = "Succeeded" if not any(codes) else "Failed"
        for cond in status.get("conditions") or []:
            if cond.get("type") in ("Ready", "ContainersReady"):
                cond["status"] = "False"
                cond["reason"] = "PodCompleted"
                cond["lastTransitionTime"] = stamp
                cond.pop("message", None)
    return pod


def main_process_exited(store: Any, pod: Mapping[str, Any], container: str, code: int) -> None:
    """Record the end of a container's main process in the Pod's status."""
    try:
        rt = store.registry.by_key("/pods")
    except (AttributeError, KeyError):
        return
    try:
        store.mutate(
            rt,
            pods.namespace(pod),
            pods.name(pod),
            lambda p: apply_exit(p, container, code),
            subresource="status",
        )
    except errors.ApiError as exc:
        if exc.code != 404:  # a pod deleted meanwhile has nothing left to record
            raise
