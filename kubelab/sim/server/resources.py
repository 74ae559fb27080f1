"""Resource requests: `/api/v1/...` and `/apis/GROUP/VERSION/...`, every verb and subresource."""

from __future__ import annotations

import logging

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.server import tables
from kubelab.sim.server.app import STORE
from kubelab.sim.server.responses import (
    json_response,
    quote_warning,
    status_response,
)
from kubelab.sim.server.stream_handlers import stream_handlers
from kubelab.sim.server.targets import Ctx, include, int_param, parse_target, selectors, wants_table
from kubelab.sim.server.watch import serve_watch
from kubelab.sim.server.writes import create, delete, delete_collection, patch, scale, update

log = logging.getLogger("kubelab.sim.server")


async def handle(request: web.Request) -> web.StreamResponse:
    parsed = parse_target(request)
    if isinstance(parsed, dict):
        if request.method != "GET":
            raise errors.method_not_allowed()
        return json_response(parsed)
    ctx = Ctx(request, request.app[STORE], parsed, [])
    if parsed.rt.warning:
        ctx.warnings.append(parsed.rt.warning)
    try:
        return await _route(ctx)
    except ApiError as e:
        return status_response(e, ctx.warnings)


_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def _verb(ctx: Ctx) -> str:
    t = ctx.target
    method = ctx.request.method
    if method == "GET":
        if t.name is not None:
            return "get"
        return "watch" if ctx.query.get("watch", "") in ("true", "1") else "list"
    if method == "DELETE":
        return "delete" if t.name is not None else "deletecollection"
    return _VERBS.get(method, method.lower())


async def _route(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    method = ctx.request.method
    if t.subresource is None and _verb(ctx) not in t.rt.verbs:
        raise errors.method_not_allowed()
    if t.subresource in ("exec", "attach", "log", "portforward"):
        return await _stream_subresource(ctx)
    if t.subresource == "proxy":
        return await _proxy(ctx)
    if t.subresource == "scale":
        return await scale(ctx)
    if t.name is None:
        if method == "GET":
            watch = ctx.query.get("watch", "")
            if watch in ("true", "1"):
                return await _watch(ctx)
            return _list(ctx)
        if method == "POST":
            return await create(ctx)
        if method == "DELETE":
            return await delete_collection(ctx)
        raise errors.method_not_allowed()
    if method == "GET":
        return _get(ctx)
    if method == "PUT":
        return await update(ctx)
    if method == "PATCH":
        return await patch(ctx)
    if method == "DELETE" and t.subresource is None:
        return await delete(ctx)
    raise errors.method_not_allowed()


# ---------------------------------------------------------------------------- helpers


def _get(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    obj = ctx.show(ctx.store.get(t.rt, t.namespace, t.name))
    if wants_table(ctx) and t.subresource is None:
        rv = obj["metadata"].get("resourceVersion", "")
        return ctx.respond(tables.table(t.rt, [obj], resource_version=rv, include=include(ctx)))
    return ctx.respond(obj)


def _list(ctx: Ctx) -> web.Response:
    t = ctx.target
    labels, fields = selectors(ctx)
    limit = int_param(ctx, "limit") or 0
    result = ctx.store.list(
        t.rt,
        t.namespace,
        labels=labels,
        fields=fields,
        limit=max(limit, 0),
        continue_token=ctx.query.get("continue", ""),
        view=ctx.view,
        copy_items=False,
    )
    items = [ctx.show(o) for o in result.items]
    rv = str(result.resource_version)
    if wants_table(ctx):
        return ctx.respond(
            tables.table(
                t.rt,
                items,
                resource_version=rv,
                continue_token=result.continue_token,
                remaining=result.remaining,
                include=include(ctx),
            )
        )
    meta: Obj = {"resourceVersion": rv}
    if result.continue_token:
        meta["continue"] = result.continue_token
        if result.remaining is not None:
            meta["remainingItemCount"] = result.remaining
    return ctx.respond(
        {"kind": t.rt.list_kind, "apiVersion": t.rt.api_version, "metadata": meta, "items": items}
    )


async def _watch(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    labels, fields = selectors(ctx)
    q = ctx.query
    send_initial = q.get("sendInitialEvents") == "true"
    rv_param = q.get("resourceVersion", "")
    if send_initial and q.get("resourceVersionMatch") != "NotOlderThan":
        raise errors.invalid(
            "ListOptions",
            "",
            [
                errors.forbidden(
                    "resourceVersionMatch",
                    "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                )
            ],
            "meta.k8s.io",
        )
    since: int | None = None
    initial = send_initial or rv_param in ("", "0")
    if not initial:
        try:
            since = int(rv_param)
        except ValueError:
            raise errors.bad_request(f'invalid resource version "{rv_param}"') from None
    timeout = int_param(ctx, "timeoutSeconds")
    return await serve_watch(
        ctx.request,
        ctx.store,
        t.rt,
        namespace=t.namespace,
        labels=labels,
        fields=fields,
        since=since,
        initial=initial,
        bookmark=send_initial and q.get("allowWatchBookmarks") == "true",
        table=wants_table(ctx),
        include=include(ctx),
        timeout=float(timeout) if timeout and timeout > 0 else 1800.0,
        warnings=ctx.warnings,
    )


# ---------------------------------------------------------------------------- writes


async def _stream_subresource(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    assert t.name is not None and t.subresource is not None
    pod = ctx.store.get(t.rt, t.namespace, t.name)
    method = ctx.request.method
    handlers = stream_handlers()
    if t.subresource == "log":
        if method != "GET":
            raise errors.method_not_allowed()
        container = ctx.query.get("container")
        if ctx.query.get("follow") == "true":
            return await handlers.stream_log(ctx.request, ctx.store, pod, container, ctx.query)
        text = handlers.read_log(ctx.store, pod, container, ctx.query)
        resp = web.Response(body=str(text).encode(), headers={"Content-Type": "text/plain"})
        for w in ctx.warnings:
            resp.headers.add("Warning", quote_warning(w))
        return resp
    handler = handlers.upgraded(t.subresource)
    upgrades = ("websocket", "spdy/3.1") if t.subresource == "portforward" else ("websocket",)
    if ctx.request.headers.get("Upgrade", "").lower() not in upgrades:
        raise errors.bad_request("Upgrade request required")
    return await handler(ctx.request, ctx.store, pod)


async def _proxy(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    assert t.name is not None
    obj = ctx.store.get(t.rt, t.namespace, t.name)
    if not t.proxy_path:
        query = ctx.request.query_string
        location = ctx.request.path + "/" + (f"?{query}" if query else "")
        return web.Response(status=301, headers={"Location": location})
    return await stream_handlers().proxy(
        ctx.request, ctx.store, obj, t.rt.plural, t.proxy_id, t.proxy_path
    )
