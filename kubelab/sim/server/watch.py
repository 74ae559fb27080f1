"""Watch streams: newline-delimited JSON events until timeout or client disconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable

from aiohttp import web

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import FieldSelector, LabelSelector
from kubelab.sim.server import tables
from kubelab.sim.store import Store, WatchEvent
from kubelab.sim.watches import Watcher

POLL = 0.5  # seconds between checks that the client is still there


def _line(event_type: str, obj: Obj) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _bookmark(rt: ResourceType, rv: int, initial_end: bool) -> Obj:
    meta: Obj = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": meta}


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def serve_watch(
    request: web.Request,
    store: Store,
    rt: ResourceType,
    *,
    namespace: str | None,
    labels: LabelSelector,
    fields: FieldSelector,
    since: int | None,
    initial: bool,
    bookmark: bool,
    table: bool,
    include: str,
    timeout: float,
    warnings: list[str],
) -> web.StreamResponse:
    resp = _stream_response(warnings)
    try:
        watcher = store.watch(
            rt.storage_key,
            namespace=namespace,
            since=since,
            labels=labels,
            fields=fields,
            initial=initial,
            view=rt.from_storage,
        )
    except ApiError as e:
        # Like kube-apiserver: a watch that cannot start (410 Gone) is an ERROR event.
        await resp.prepare(request)
        await resp.write(_line("ERROR", e.status()))
        await resp.write_eof()
        return resp
    # With sendInitialEvents and allowWatchBookmarks, a bookmark follows the initial events.
    initial_events = watcher.queue.qsize() if initial and bookmark else None
    start_rv = store.resource_version
    await resp.prepare(request)
    deadline = time.monotonic() + timeout

    def render(ev: WatchEvent) -> Obj:
        obj = rt.from_storage(ev.obj) if rt.from_storage else ev.obj
        if table:
            return tables.table(rt, [obj], include=include)
        return obj

    end_of_initial = _line("BOOKMARK", _bookmark(rt, start_rv, True))
    try:
        if initial_events == 0:
            await resp.write(end_of_initial)
        await _send_events(request, resp, watcher, render, deadline, initial_events, end_of_initial)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await resp.write_eof()
    except (ConnectionError, RuntimeError):
        pass  # the client went away while we were writing

    finally:
        watcher.close()
    return resp


def _stream_response(warnings: list[str]) -> web.StreamResponse:
    """A chunked JSON stream carrying each warning as a `Warning: 299` header."""
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    for w in warnings:
        resp.headers.add("Warning", '299 - "' + w.replace('"', '\\"') + '"')
    resp.enable_chunked_encoding()
    return resp


async def _send_events(
    request: web.Request,
    resp: web.StreamResponse,
    watcher: Watcher,
    render: Callable[[WatchEvent], Obj],
    deadline: float,
    initial_events: int | None,
    end_of_initial: bytes,
) -> None:
    """Write each event until the deadline, the watch closes or the client goes away; after
    the first `initial_events` events (when counted), write `end_of_initial`."""
    sent = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            ev = await asyncio.wait_for(watcher.queue.get(), timeout=min(POLL, remaining))
        except TimeoutError:
            if _gone(request):
                return
            continue
        if ev is None:
            return
        await resp.write(_line(ev.type, render(ev)))
        sent += 1
        if sent == initial_events:
            await resp.write(end_of_initial)
