"""The events of a Kubernetes watch: reading them off the API server's answer (one JSON object
a line), and following one watch while keeping the resourceVersion to resume the next from."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import urllib3

from kubelab.cluster.api_errors import ApiRejected, rejected, short
from kubelab.cluster.base import ClusterError, ClusterUnreachable
from kubelab.objects import Obj


def read_watch_events(response: Any, kind: str, server: str) -> Iterator[Obj]:
    """The events of a watch on `kind` as `server` streams them (`response` unread, from the
    `kubernetes` client's call_api), until the server ends the watch; the connection goes back
    to the pool afterwards, however the reading ends."""
    raw = response.response
    try:
        if not 200 <= response.status <= 299:
            raise rejected(response.status, response.reason, response.read())
        buffer = b""
        try:
            for chunk in raw.stream(4096, decode_content=True):
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    if line.strip():
                        yield _watch_event(line, response.status)
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterUnreachable(
                f"the watch on {kind} at {server} broke off: {short(exc)}"
            ) from exc
        if buffer.strip():
            yield _watch_event(buffer, response.status)
    finally:
        raw.release_conn()


def _watch_event(line: bytes, status: int) -> Obj:
    """One line of a watch as its event; an ERROR event (410 Gone: too old to resume) is raised
    as the API's refusal it carries."""
    try:
        event: Obj = json.loads(line)
    except ValueError as exc:
        raise ClusterError(f"a watch sent a line that is not JSON: {line[:200]!r}") from exc
    if event.get("type") == "ERROR":
        obj = event.get("object") or {}
        raise ApiRejected(
            int(obj.get("code") or status),
            str(obj.get("reason") or "Error"),
            str(obj.get("message") or "the watch failed"),
            obj,
        )
    return event


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
