"""`pods/{name}/log`: what a container's main process printed (start-up lines, request logs,
output of an attached main command), with `tailLines`, `sinceSeconds`, `timestamps`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.dataplane import pods, servers
from kubelab.sim.dataplane.runner import ensure_runner
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.dataplane.sessions import StoreView, _parse_time, _started_at

FOLLOW_POLL = 0.2  # seconds between looks for new lines when following
PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")


def _check_running(pod: Mapping[str, Any], name: str) -> None:
    st = pods.container_status(pod, name) or {}
    state = st.get("state") or {}
    if "running" in state or "terminated" in state or "terminated" in (st.get("lastState") or {}):
        return  # a crash-looping container's last run has logs too
    waiting = state.get("waiting") or {}
    reason = str(waiting.get("reason") or "ContainerCreating")
    detail = "trying and failing to pull image" if reason in PULL_FAILURES else reason
    phase = (pod.get("status") or {}).get("phase")
    if st or phase == "Pending":
        raise errors.bad_request(
            f'container "{name}" in pod "{pods.name(pod)}" is waiting to start: {detail}'
        )


def read_log(
    store: Any, pod: Mapping[str, Any], container: str | None, query: Mapping[str, str]
) -> str:
    c = pods.container(pod, container)
    if c is None:
        raise errors.bad_request(f"container {container} is not valid for pod {pods.name(pod)}")
    name = str(c.get("name", ""))
    _check_running(pod, name)
    ensure_runner(store)
    started = _started_at(pod, name)
    start_ts = started.timestamp() if started else time.time()
    entries = [(start_ts, line) for line in servers.startup_log(pod, c)]
    entries += runtime_for(store).log_lines(pods.uid(pod), name)
    since = query.get("sinceSeconds")
    if since and since.isdigit():
        cutoff = time.time() - int(since)
        entries = [e for e in entries if e[0] >= cutoff]
    since_time = _parse_time(query.get("sinceTime"))
    if since_time is not None:
        entries = [e for e in entries if e[0] >= since_time.timestamp()]
    tail = query.get("tailLines")
    if tail and tail.lstrip("-").isdigit() and int(tail) >= 0:
        entries = entries[len(entries) - int(tail) :] if int(tail) else []
    stamps = str(query.get("timestamps", "")).lower() == "true"
    return "".join(_line(ts, line, stamps) for ts, line in entries)


def _line(ts: float, line: str, stamps: bool) -> str:
    prefix = datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z ") if stamps else ""
    return prefix + line + "\n"


async def stream_log(
    request: web.Request,
    store: Any,
    pod: Mapping[str, Any],
    container: str | None,
    query: Mapping[str, str],
) -> web.StreamResponse:
    """`kubectl logs -f` (`follow=true`): what `read_log` gives, then new lines as they come,
    until the container ends (as the kubelet closes a finished container's log), the pod is
    gone or the client leaves."""
    text = read_log(store, pod, container, query)  # validates, raises ApiError before streaming
    c = pods.container(pod, container)
    assert c is not None
    name = str(c.get("name", ""))
    uid = pods.uid(pod)
    view = StoreView(store)
    runtime = runtime_for(store)
    stamps = str(query.get("timestamps", "")).lower() == "true"
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    seen = runtime.log_total(uid, name)
    try:
        await response.write(text.encode())
        while request.transport is not None and not request.transport.is_closing():
            total = runtime.log_total(uid, name)
            if total < seen:  # the pod's state was dropped: it is gone
                break
            if total > seen:
                lines = runtime.lines_after(uid, name, seen)
                await response.write("".join(_line(ts, ln, stamps) for ts, ln in lines).encode())
                seen = total
            live = view.pod(pods.namespace(pod), pods.name(pod))
            if live is None or pods.uid(live) != uid or _ended(live, name):
                break
            await asyncio.sleep(FOLLOW_POLL)
    except ConnectionResetError:
        return response  # the client left
    await response.write_eof()
    return response


def _ended(pod: Mapping[str, Any], name: str) -> bool:
    """The followed container has exited (its log is complete)."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return True
    st = pods.container_status(pod, name) or {}
    return "terminated" in (st.get("state") or {})
