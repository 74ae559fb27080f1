"""The kubelet's rules as pure functions: container and pod status shapes, image facts,
which main processes end at once, downward-API field values."""

from __future__ import annotations

import hashlib
import posixpath
from dataclasses import dataclass

from kubelab.sim.controllers.base import meta, set_condition
from kubelab.sim.dataplane.images import Image
from kubelab.sim.dataplane.servers import server_kind
from kubelab.sim.objects import Obj

SHELLS = frozenset({"sh", "ash", "bash", "dash"})


@dataclass
class Progress:
    stage: str  # creating | pull-failed | back-off | running | exited | crash-back-off | done
    attempt: int = 0


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def image_id(image: Image) -> str:
    repo = image.full_reference.rsplit(":", 1)[0]
    return f"{repo}@sha256:{digest(image.full_reference)}"


def go_duration(seconds: float) -> str:
    """A duration truncated to milliseconds as Go prints it: `201ms`, `1.948s`, `1m2.5s`."""
    ms = max(int(seconds * 1000), 0)
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{minutes}m{secs}" if minutes else secs


def image_size(image: Image) -> int:
    """A stable, plausible compressed size for the Pulled event (bytes)."""
    return 2_000_000 + int(digest(image.full_reference)[:8], 16) % 70_000_000


def exits_at_once(container: Obj, image: Image) -> bool:
    """Does the main process end as soon as it starts? (a bare shell with no stdin)"""
    if container.get("stdin") or container.get("tty") or not image.known:
        return False
    argv = image.main_argv(container.get("command"), container.get("args"))
    return len(argv) == 1 and posixpath.basename(argv[0]) in SHELLS


def stops_on_sigterm(container: Obj, image: Image) -> bool:
    """Does the main process end when the kubelet sends SIGTERM? Servers do (nginx's fast
    shutdown; Go programs such as agnhost, http-echo and CoreDNS exit on it). A shell or
    `sleep` is PID 1 of its container and installs no handler, so the kernel ignores the
    signal: it runs until SIGKILL at the end of the grace period."""
    argv = image.main_argv(container.get("command"), container.get("args"))
    return server_kind(image, argv) is not None


def field_value(pod: Obj, path: str) -> str:
    m = meta(pod)
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    values = {
        "metadata.name": m.get("name"),
        "metadata.namespace": m.get("namespace"),
        "metadata.uid": m.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName"),
        "status.podIP": status.get("podIP"),
        "status.hostIP": status.get("hostIP"),
    }
    if path.startswith("metadata.labels['") and path.endswith("']"):
        return str((m.get("labels") or {}).get(path[17:-2], ""))
    return str(values.get(path) or "")


def images_of(pod: Obj) -> list[str]:
    return [
        str(c.get("image", ""))
        for c in (pod.get("spec") or {}).get("containers") or []
        if isinstance(c, dict)
    ]


_CONDITION_ORDER = {
    name: i
    for i, name in enumerate(
        ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    )
}


def order_conditions(conditions: list[Obj]) -> None:
    conditions.sort(key=lambda c: _CONDITION_ORDER.get(str(c.get("type")), 99))


def refresh_readiness(status: Obj, containers: list[Obj]) -> None:
    """Phase and the Ready/ContainersReady conditions from the container statuses."""
    statuses = status.get("containerStatuses") or []
    unready = [cs.get("name") for cs in statuses if not cs.get("ready")]
    conditions = status.setdefault("conditions", [])
    sandbox = bool(status.get("podIP"))
    set_condition(
        conditions,
        {"type": "PodReadyToStartContainers", "status": "True" if sandbox else "False"},
        probe_time=True,
    )
    for kind in ("Ready", "ContainersReady"):
        if unready:
            cond = {
                "type": kind,
                "status": "False",
                "reason": "ContainersNotReady",
                "message": f"containers with unready status: [{' '.join(map(str, unready))}]",
            }
        else:
            cond = {"type": kind, "status": "True"}
        set_condition(conditions, cond, probe_time=True)
        if not unready:
            for existing in conditions:
                if existing.get("type") == kind:
                    existing.pop("reason", None)
                    existing.pop("message", None)
    order_conditions(conditions)
    if any((cs.get("state") or {}).get("running") is not None for cs in statuses) or any(
        "terminated" in (cs.get("state") or {}) or cs.get("restartCount") for cs in statuses
    ):
        status["phase"] = "Running"
