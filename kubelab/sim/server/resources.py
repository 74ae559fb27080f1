"""Resource requests: `/api/v1/...` and `/apis/GROUP/VERSION/...`, every verb and subresource."""

from __future__ import annotations

import copy
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import (
    FieldSelector,
    LabelSelector,
    parse_field_selector,
    parse_label_selector,
    selector_string,
)
from kubelab.sim.server import discovery, tables
from kubelab.sim.server.app import STORE, json_response, quote_warning, status_response
from kubelab.sim.server.bodies import (
    PATCH_TYPES,
    PROTOBUF,
    apply_patch,
    check_kind,
    decode_object,
    media_type,
    parse_json,
    parse_yaml,
    validate_fields,
    wire,
)
from kubelab.sim.server.watch import serve_watch
from kubelab.sim.store import ManagedHook, Store

log = logging.getLogger("kubelab.sim.server")


@dataclass
class Target:
    rt: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None
    proxy_id: str = ""  # `[scheme:]name[:port]` of a proxy request
    proxy_path: str = ""  # the path below `.../proxy`

    @property
    def storage_rt(self) -> ResourceType:
        return self.rt


@dataclass
class Ctx:
    """One resource request: what it targets and the helpers that convert views."""

    request: web.Request
    store: Store
    target: Target
    warnings: list[str]

    @property
    def rt(self) -> ResourceType:
        return self.target.rt

    def show(self, obj: Obj) -> Obj:
        """A stored object as this request's type presents it."""
        return self.rt.from_storage(obj) if self.rt.from_storage else obj

    def stored(self, obj: Obj) -> Obj:
        return self.rt.to_storage(obj) if self.rt.to_storage else obj

    @property
    def view(self) -> Callable[[Obj], Obj] | None:
        return self.rt.from_storage

    @property
    def query(self) -> Any:
        return self.request.query

    @property
    def dry_run(self) -> bool:
        values = self.request.query.getall("dryRun", [])
        for v in values:
            if v != "All":
                raise errors.bad_request(f'Invalid dry run value: "{v}". Only "All" is supported')
        return bool(values)

    def respond(self, data: Any, status: int = 200) -> web.Response:
        return json_response(data, status, warnings=self.warnings)

    def written(self, obj: Obj, status: int = 200) -> web.Response:
        """The answer to a create/update/patch/apply: the object as this request's type shows
        it, with the type's warnings about it (`GetWarningsForService` ...) as headers."""
        shown = self.show(obj)
        warn = self.rt.warnings
        if warn is not None and self.target.subresource is None:
            self.warnings.extend(warn(shown))
        return self.respond(shown, status)


def _not_found_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def parse_target(request: web.Request) -> Target | Obj:
    """The resource a path names, or the discovery document it asks for."""
    store = request.app[STORE]
    registry = store.registry
    parts = [p for p in request.path.split("/") if p]
    if parts[0] == "api":
        if len(parts) < 2:
            raise _not_found_path()
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 2:
            raise _not_found_path()
        group = parts[1]
        if len(parts) == 2:
            doc = discovery.api_group(registry, group)
            if doc is None:
                raise _not_found_path()
            return doc
        version, rest = parts[2], parts[3:]
    if not rest:
        listing = discovery.resource_list(registry, group, version)
        if listing is None:
            raise _not_found_path()
        return listing
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = registry.get(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
    rt = registry.get(group, version, rest[0])
    if rt is not None and len(rest) >= 3 and rest[2] == "proxy" and "proxy" in rt.subresources:
        return _proxy_target(request, rt, namespace, rest)
    if rt is None or len(rest) > 3:
        raise _not_found_path()
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if rt.namespaced and name is not None and namespace is None:
        raise _not_found_path()
    if sub is not None and sub not in rt.subresources:
        raise _not_found_path()
    return Target(rt, namespace, name, sub)


def _proxy_target(
    request: web.Request, rt: ResourceType, namespace: str | None, rest: list[str]
) -> Target:
    """`{pods,services}/{[scheme:]name[:port]}/proxy[/path]`: every segment after `proxy` is
    the path to relay (a trailing slash kept)."""
    if rt.namespaced and namespace is None:
        raise _not_found_path()
    raw_id = rest[1]
    if raw_id.count(":") > 2:
        raise errors.bad_request(f'invalid {rt.singular} request "{raw_id}"')
    name = raw_id.split(":")[1] if raw_id.count(":") == 2 else raw_id.split(":")[0]
    if len(rest) == 3 and not request.path.endswith("/"):
        path = ""  # `.../proxy`: redirected to `.../proxy/`, as kube-apiserver does
    else:
        path = "/" + "/".join(rest[3:])
        if request.path.endswith("/") and len(rest) > 3:
            path += "/"
    return Target(rt, namespace, name, "proxy", proxy_id=raw_id, proxy_path=path)


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
        return await _scale(ctx)
    if t.name is None:
        if method == "GET":
            watch = ctx.query.get("watch", "")
            if watch in ("true", "1"):
                return await _watch(ctx)
            return _list(ctx)
        if method == "POST":
            return await _create(ctx)
        if method == "DELETE":
            return await _delete_collection(ctx)
        raise errors.method_not_allowed()
    if method == "GET":
        return _get(ctx)
    if method == "PUT":
        return await _update(ctx)
    if method == "PATCH":
        return await _patch(ctx)
    if method == "DELETE" and t.subresource is None:
        return await _delete(ctx)
    raise errors.method_not_allowed()


# ---------------------------------------------------------------------------- helpers


def _selectors(ctx: Ctx) -> tuple[LabelSelector, FieldSelector]:
    labels = parse_label_selector(ctx.query.get("labelSelector"))
    fields = parse_field_selector(ctx.query.get("fieldSelector"), ctx.rt.field_selectors)
    return labels, fields


def _wants_table(ctx: Ctx) -> bool:
    return tables.wants_table(ctx.request.headers.get("Accept", ""))


def _include(ctx: Ctx) -> str:
    value = ctx.query.get("includeObject", "Metadata")
    if value not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f'includeObject: unsupported value "{value}"')
    return str(value)


def _int_param(ctx: Ctx, name: str) -> int | None:
    raw = ctx.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise errors.bad_request(f'invalid value for {name}: "{raw}"') from None
    return value


async def _read(ctx: Ctx) -> bytes:
    return await ctx.request.read()


def _manager(ctx: Ctx) -> str:
    manager = ctx.query.get("fieldManager")
    if manager:
        if len(manager) > 128:
            raise errors.invalid(
                "PatchOptions",
                "",
                [
                    errors.invalid_value(
                        "fieldManager", manager, "must be no more than 128 characters"
                    )
                ],
                "meta.k8s.io",
            )
        return str(manager)
    agent = ctx.request.headers.get("User-Agent", "unknown")
    return agent.split("/")[0] or "unknown"


def _record_managed(
    ctx: Ctx, new: Obj, old: Obj | None, subresource: str, rt: ResourceType | None = None
) -> Obj:
    """`new` with `metadata.managedFields` updated for an Update (or create) by this client."""
    record = wire("record_managed_fields")
    if record is None:
        return new
    rt = rt or ctx.rt
    result: Obj = record(
        new,
        old,
        _manager(ctx),
        group=rt.group,
        version=rt.version,
        kind=rt.kind,
        subresource=subresource,
    )
    return result


def _managed_hook(ctx: Ctx, subresource: str, rt: ResourceType) -> ManagedHook:
    """The store calls this after the type's defaults ran: the writer owns defaulted fields."""
    _manager(ctx)  # a bad fieldManager is rejected before the store is touched

    def hook(new: Obj, old: Obj | None) -> Obj:
        return _record_managed(ctx, new, old, subresource, rt)

    return hook


def _guard(ctx: Ctx, fn: Callable[[], Obj]) -> Obj:
    """Run a store write; a hook tripping over a malformed object is the client's error."""
    try:
        return fn()
    except ApiError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError, IndexError) as e:
        log.exception("a %s write tripped over a malformed object", ctx.rt.kind)
        rt = ctx.rt
        raise errors.bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f"malformed object ({type(e).__name__}: {e})"
        ) from None


# ---------------------------------------------------------------------------- reads


def _get(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    obj = ctx.show(ctx.store.get(t.rt, t.namespace, t.name))
    if _wants_table(ctx) and t.subresource is None:
        rv = obj["metadata"].get("resourceVersion", "")
        return ctx.respond(tables.table(t.rt, [obj], resource_version=rv, include=_include(ctx)))
    return ctx.respond(obj)


def _list(ctx: Ctx) -> web.Response:
    t = ctx.target
    labels, fields = _selectors(ctx)
    limit = _int_param(ctx, "limit") or 0
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
    if _wants_table(ctx):
        return ctx.respond(
            tables.table(
                t.rt,
                items,
                resource_version=rv,
                continue_token=result.continue_token,
                remaining=result.remaining,
                include=_include(ctx),
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
    labels, fields = _selectors(ctx)
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
    timeout = _int_param(ctx, "timeoutSeconds")
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
        table=_wants_table(ctx),
        include=_include(ctx),
        timeout=float(timeout) if timeout and timeout > 0 else 1800.0,
        warnings=ctx.warnings,
    )


# ---------------------------------------------------------------------------- writes


async def _create(ctx: Ctx) -> web.Response:
    t = ctx.target
    raw = await _read(ctx)
    content_type = ctx.request.headers.get("Content-Type")
    if t.rt.ephemeral:
        # A review: answered without storing anything. Its answer does not depend on the
        # request (one all-powerful user), so a protobuf body need not be decoded.
        obj = {} if media_type(content_type) == PROTOBUF else decode_object(t.rt, raw, content_type)
        obj.setdefault("metadata", {}).setdefault("creationTimestamp", None)
        obj["apiVersion"], obj["kind"] = t.rt.api_version, t.rt.kind
        if t.rt.defaults is not None:
            t.rt.defaults(obj, ctx.store)
        return ctx.respond(obj, 201)
    obj = decode_object(t.rt, raw, content_type)
    validate_fields(t.rt, obj, ctx.query.get("fieldValidation", ""), ctx.warnings)
    obj = ctx.stored(obj)
    srt = ctx.store.registry.storage_type(t.rt)
    if srt.has_status:
        obj.pop("status", None)
    hook = _managed_hook(ctx, "", srt)
    dry_run = ctx.dry_run
    created = _guard(
        ctx,
        lambda: ctx.store.create(srt, obj, namespace=t.namespace, dry_run=dry_run, managed=hook),
    )
    return ctx.written(created, 201)


async def _update(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    raw = await _read(ctx)
    obj = decode_object(t.rt, raw, ctx.request.headers.get("Content-Type"))
    validate_fields(t.rt, obj, ctx.query.get("fieldValidation", ""), ctx.warnings)
    meta = obj.get("metadata") or {}
    if meta.get("name") and meta["name"] != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({t.name})"
        )
    obj = ctx.stored(obj)
    srt = ctx.store.registry.storage_type(t.rt)
    hook = _managed_hook(ctx, t.subresource or "", srt)
    dry_run = ctx.dry_run
    updated = _guard(
        ctx,
        lambda: ctx.store.update(
            srt,
            obj,
            namespace=t.namespace,
            name=t.name,
            subresource=t.subresource,
            dry_run=dry_run,
            managed=hook,
        ),
    )
    return ctx.written(updated)


async def _patch(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    raw = await _read(ctx)
    content_type = ctx.request.headers.get("Content-Type")
    mt = media_type(content_type)
    if mt not in PATCH_TYPES:
        raise errors.unsupported_media_type(PATCH_TYPES)
    if mt == "application/apply-patch+yaml":
        return await _apply(ctx, raw)
    srt = ctx.store.registry.storage_type(t.rt)
    live = ctx.store.get(srt, t.namespace, t.name)
    current = ctx.show(copy.deepcopy(live))
    try:
        patched = apply_patch(t.rt, current, raw, content_type)
    except ApiError:
        raise
    except Exception as e:  # the patch functions reject malformed patches with ApiErrors;
        # anything else is still a patch the client got wrong
        log.exception("a %s patch failed", t.rt.kind)
        raise errors.ApiError(422, "Invalid", f"the patch could not be applied: {e}") from None
    check_kind(t.rt, patched)
    validate_fields(t.rt, patched, ctx.query.get("fieldValidation", ""), ctx.warnings)
    meta = patched.get("metadata")
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if meta.get("name") != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL "
            f"({t.name})"
        )
    obj = ctx.stored(patched)
    hook = _managed_hook(ctx, t.subresource or "", srt)
    dry_run = ctx.dry_run
    # A patch that carries metadata.resourceVersion is a precondition; otherwise none.
    updated = _guard(
        ctx,
        lambda: ctx.store.update(
            srt,
            obj,
            namespace=t.namespace,
            name=t.name,
            subresource=t.subresource,
            dry_run=dry_run,
            managed=hook,
        ),
    )
    return ctx.written(updated)


async def _apply(ctx: Ctx, raw: bytes) -> web.Response:
    """Server-side apply (`application/apply-patch+yaml`)."""
    t = ctx.target
    assert t.name is not None
    if not ctx.query.get("fieldManager"):
        raise errors.invalid(
            "PatchOptions",
            "",
            [errors.required("fieldManager", "is required for apply patch")],
            "meta.k8s.io",
        )
    applied = parse_yaml(raw)
    if not isinstance(applied, dict):
        raise errors.bad_request("error decoding YAML: the apply configuration must be an object")
    check_kind(t.rt, applied)
    if not applied.get("apiVersion") or not applied.get("kind"):
        raise errors.bad_request(
            "invalid object type: apiVersion and kind must be set in an apply configuration"
        )
    meta = applied.get("metadata")
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if meta.get("name") and meta["name"] != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({t.name})"
        )
    validate_fields(t.rt, applied, ctx.query.get("fieldValidation", "") or "Strict", ctx.warnings)
    ssa = wire("server_side_apply")
    if ssa is None:
        raise errors.unsupported_media_type(PATCH_TYPES[:3])
    srt = ctx.store.registry.storage_type(t.rt)
    live_stored = ctx.store.try_get(srt, t.namespace, t.name)
    live = ctx.show(live_stored) if live_stored is not None else None
    force = ctx.query.get("force") == "true"
    result = ssa(
        live,
        applied,
        ctx.query["fieldManager"],
        force,
        t.rt.group,
        t.rt.version,
        t.rt.kind,
        subresource=t.subresource or "",
    )
    obj = ctx.stored(result)
    dry_run = ctx.dry_run
    if live_stored is None:
        obj.setdefault("metadata", {})["name"] = t.name
        if srt.has_status:
            obj.pop("status", None)
        created = _guard(
            ctx, lambda: ctx.store.create(srt, obj, namespace=t.namespace, dry_run=dry_run)
        )
        return ctx.written(created, 201)
    obj.setdefault("metadata", {})["resourceVersion"] = live_stored["metadata"]["resourceVersion"]
    updated = _guard(
        ctx,
        lambda: ctx.store.update(
            srt,
            obj,
            namespace=t.namespace,
            name=t.name,
            subresource=t.subresource,
            dry_run=dry_run,
        ),
    )
    return ctx.written(updated)


async def _delete_options(ctx: Ctx) -> tuple[str | None, int | None, Obj | None, bool]:
    """propagationPolicy, gracePeriodSeconds, preconditions, dryRun of a DELETE (query + body)."""
    raw = await _read(ctx)
    opts: Obj = {}
    if raw.strip():
        mt = media_type(ctx.request.headers.get("Content-Type"))
        parsed = parse_yaml(raw) if "yaml" in mt else parse_json(raw)
        if not isinstance(parsed, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        opts = parsed
    policy = ctx.query.get("propagationPolicy") or opts.get("propagationPolicy")
    if opts.get("orphanDependents") is True or ctx.query.get("orphanDependents") == "true":
        policy = policy or "Orphan"
    if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
        raise errors.invalid(
            "DeleteOptions",
            "",
            [
                errors.not_supported(
                    "propagationPolicy", policy, ["Foreground", "Background", "Orphan"]
                )
            ],
            "meta.k8s.io",
        )
    grace = _int_param(ctx, "gracePeriodSeconds")
    if grace is None and opts.get("gracePeriodSeconds") is not None:
        try:
            grace = int(opts["gracePeriodSeconds"])
        except (TypeError, ValueError):
            raise errors.bad_request("gracePeriodSeconds must be an integer") from None
    pre = opts.get("preconditions")
    if pre is not None and not isinstance(pre, dict):
        raise errors.bad_request("preconditions must be an object")
    body_dry_run = opts.get("dryRun") or []
    if not isinstance(body_dry_run, list) or any(v != "All" for v in body_dry_run):
        raise errors.bad_request(
            f'Invalid dry run value: "{body_dry_run}". Only "All" is supported'
        )
    return policy, grace, pre, bool(body_dry_run) or ctx.dry_run


async def _delete(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    policy, grace, pre, dry_run = await _delete_options(ctx)
    deleted = ctx.store.delete(
        t.rt,
        t.namespace,
        t.name,
        propagation=policy,
        grace_seconds=grace,
        preconditions=pre,
        dry_run=dry_run,
    )
    pending = bool(deleted.get("metadata", {}).get("deletionTimestamp"))
    if pending or t.rt.return_deleted_object:
        return ctx.respond(ctx.show(deleted))
    # Like most kube-apiserver registries: an immediate deletion answers with a Status.
    details: Obj = {"name": t.name}
    if t.rt.group:
        details["group"] = t.rt.group
    details["kind"] = t.rt.plural
    details["uid"] = deleted.get("metadata", {}).get("uid", "")
    return ctx.respond(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": details,
        }
    )


async def _delete_collection(ctx: Ctx) -> web.Response:
    t = ctx.target
    labels, fields = _selectors(ctx)
    policy, grace, _pre, dry_run = await _delete_options(ctx)
    deleted = ctx.store.delete_collection(
        t.rt,
        t.namespace,
        labels=labels,
        fields=fields,
        propagation=policy,
        grace_seconds=grace,
        dry_run=dry_run,
        view=ctx.view,
    )
    return ctx.respond(
        {
            "kind": t.rt.list_kind,
            "apiVersion": t.rt.api_version,
            "metadata": {"resourceVersion": str(ctx.store.resource_version)},
            "items": [ctx.show(o) for o in deleted],
        }
    )


# ---------------------------------------------------------------------------- subresources


def _replica_selector(obj: Obj) -> str:
    selector = (obj.get("spec") or {}).get("selector")
    if isinstance(selector, dict) and ("matchLabels" in selector or "matchExpressions" in selector):
        return selector_string(selector)
    if isinstance(selector, dict):  # a ReplicationController's plain map
        return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return ""


def to_scale(obj: Obj) -> Obj:
    meta = obj["metadata"]
    scale_meta = {
        k: meta[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in meta
    }
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 0) or 0)},
        "status": {
            "replicas": int((obj.get("status") or {}).get("replicas", 0) or 0),
            "selector": _replica_selector(obj),
        },
    }


async def _scale(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    method = ctx.request.method
    # Read the body first: nothing may await between reading the live object and writing it.
    raw = await _read(ctx) if method != "GET" else b""
    live = ctx.store.get(t.rt, t.namespace, t.name)
    scale = to_scale(live)
    if method == "GET":
        return ctx.respond(scale)
    if method == "PUT":
        wanted = (
            parse_json(raw)
            if "yaml" not in media_type(ctx.request.headers.get("Content-Type"))
            else parse_yaml(raw)
        )
    elif method == "PATCH":
        mt = media_type(ctx.request.headers.get("Content-Type"))
        if mt == "application/strategic-merge-patch+json":
            # Scale has no lists: a strategic merge patch is a JSON merge patch here.
            wanted = apply_patch(t.rt, scale, raw, "application/merge-patch+json")
        else:
            wanted = apply_patch(t.rt, scale, raw, mt)
    else:
        raise errors.method_not_allowed()
    if not isinstance(wanted, dict):
        raise errors.bad_request("the body must be an autoscaling/v1 Scale object")
    spec = wanted.get("spec") or {}
    replicas = spec.get("replicas", 0) if isinstance(spec, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise errors.bad_request(
            'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal into Go '
            "struct field ScaleSpec.spec.replicas of type int32"
        )
    if replicas < 0:
        raise errors.invalid(
            "Scale",
            t.name,
            [errors.invalid_value("spec.replicas", replicas, "must be greater than or equal to 0")],
            "autoscaling",
        )
    want_rv = (wanted.get("metadata") or {}).get("resourceVersion")
    if want_rv and str(want_rv) != live["metadata"]["resourceVersion"]:
        raise errors.stale(t.rt.plural, t.name, t.rt.group)
    new = copy.deepcopy(live)
    new.setdefault("spec", {})["replicas"] = replicas
    new = _record_managed(ctx, new, live, "scale")
    dry_run = ctx.dry_run
    updated = _guard(
        ctx,
        lambda: ctx.store.update(t.rt, new, namespace=t.namespace, name=t.name, dry_run=dry_run),
    )
    return ctx.respond(to_scale(updated))


def _dataplane(module: str, name: str) -> Any:
    try:
        mod = importlib.import_module(f"kubelab.sim.dataplane.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


async def _stream_subresource(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    assert t.name is not None and t.subresource is not None
    pod = ctx.store.get(t.rt, t.namespace, t.name)
    method = ctx.request.method
    if t.subresource == "log":
        if method != "GET":
            raise errors.method_not_allowed()
        read_log = _dataplane("logs", "read_log")
        if read_log is None:
            raise _not_found_path()
        container = ctx.query.get("container")
        if ctx.query.get("follow") == "true":
            stream_log = _dataplane("logs", "stream_log")
            if stream_log is not None:
                followed: web.StreamResponse = await stream_log(
                    ctx.request, ctx.store, pod, container, ctx.query
                )
                return followed
        text = read_log(ctx.store, pod, container, ctx.query)
        resp = web.Response(body=str(text).encode(), headers={"Content-Type": "text/plain"})
        for w in ctx.warnings:
            resp.headers.add("Warning", quote_warning(w))
        return resp
    handler = {
        "exec": _dataplane("streams", "handle_exec"),
        "attach": _dataplane("streams", "handle_attach"),
        "portforward": _dataplane("portforward", "handle_portforward"),
    }[t.subresource]
    if handler is None:
        raise _not_found_path()
    upgrades = ("websocket", "spdy/3.1") if t.subresource == "portforward" else ("websocket",)
    if ctx.request.headers.get("Upgrade", "").lower() not in upgrades:
        raise errors.bad_request("Upgrade request required")
    response: web.StreamResponse = await handler(ctx.request, ctx.store, pod)
    return response


async def _proxy(ctx: Ctx) -> web.StreamResponse:
    t = ctx.target
    assert t.name is not None
    handler = _dataplane("proxy", "handle_proxy")
    if handler is None:
        raise _not_found_path()
    obj = ctx.store.get(t.rt, t.namespace, t.name)
    if not t.proxy_path:
        query = ctx.request.query_string
        location = ctx.request.path + "/" + (f"?{query}" if query else "")
        return web.Response(status=301, headers={"Location": location})
    response: web.StreamResponse = await handler(
        ctx.request, ctx.store, obj, t.rt.plural, t.proxy_id, t.proxy_path
    )
    return response
