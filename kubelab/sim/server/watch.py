"""Watch streams: newline-delimited JSON events until timeout or client disconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from aiohttp import web

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import FieldSelector, LabelSelector
from kubelab.sim.server import tables
from kubelab.sim.store import Store, WatchEvent

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
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    for w in warnings:
        resp.headers.add("Warning", '299 - "' + w.replace('"', '\\"') + '"')
    resp.enable_chunked_encoding()
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
    initial_count = watcher.queue.qsize() if initial else 0
    start_rv = store.resource_version
    await resp.prepare(request)
    deadline = time.monotonic() + timeout

    def render(ev: WatchEvent) -> Obj:
        obj = rt.from_storage(ev.obj) if rt.from_storage else ev.obj
        if table:
            return tables.table(rt, [obj], include=include)
        return obj

    try:
        if initial and bookmark and initial_count == 0:
            await resp.write(_line("BOOKMARK", _bookmark(rt, start_rv, True)))
        sent = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                ev = await asyncio.wait_for(watcher.queue.get(), timeout=min(POLL, remaining))
            except TimeoutError:
                if _gone(request):
                    break
                continue
            if ev is None:
                break
            await resp.write(_line(ev.type, render(ev)))
            sent += 1
            if initial and bookmark and sent == initial_count:
                await resp.write(_line("BOOKMARK", _bookmark(rt, start_rv, True)))
        with contextlib.suppress(ConnectionError, RuntimeError):
            await resp.write_eof()
    except (ConnectionError, RuntimeError):
        pass  # the client went away while we were writing

    finally:
        watcher.close()
    return resp
