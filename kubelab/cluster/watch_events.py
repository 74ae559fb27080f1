"""The events of a Kubernetes watch: following one watch and keeping the resourceVersion to
resume the next from."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from kubelab.objects import Obj


def follow_watch(
    events: Iterable[Obj],
    resource_version: str | None,
    stop: threading.Event,
    on_event: Callable[[Obj], object],
) -> str | None:
    """Hand every event of one watch but BOOKMARKs to `on_event` until the watch ends or `stop`
    is set; the last resourceVersion seen (`resource_version` when no event carried one), from
    which the next watch resumes. A bookmark carries no change, only a newer resourceVersion."""
    for event in events:
        if stop.is_set():
            break
        version = ((event.get("object") or {}).get("metadata") or {}).get("resourceVersion")
        if version:
            resource_version = str(version)
        if event.get("type") != "BOOKMARK":
            on_event(event)
    return resource_version
