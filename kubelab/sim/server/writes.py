"""The writing verbs of a resource request: create, update, patch, server-side apply, delete,
delete collection and the scale subresource, with the managedFields each write records."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from aiohttp import web

from kubelab.sim import deletion, errors
from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import (
    selector_string,
)
from kubelab.sim.server.bodies import (
    PATCH_TYPES,
    PROTOBUF,
    apply_patch,
    check_converts,
    check_kind,
    decode_object,
    media_type,
    parse_json,
    parse_yaml,
    validate_fields,
    wire,
)
from kubelab.sim.server.targets import Ctx, int_param, read, selectors
from kubelab.sim.store import ManagedHook

log = logging.getLogger("kubelab.sim.server")


def manager(ctx: Ctx) -> str:
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


def record_managed(
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
        manager(ctx),
        group=rt.group,
        version=rt.version,
        kind=rt.kind,
        subresource=subresource,
    )
    return result


def managed_hook(ctx: Ctx, subresource: str, rt: ResourceType) -> ManagedHook:
    """The store calls this after the type's defaults ran: the writer owns defaulted fields."""
    manager(ctx)  # a bad fieldManager is rejected before the store is touched

    def hook(new: Obj, old: Obj | None) -> Obj:
        return record_managed(ctx, new, old, subresource, rt)

    return hook


def guard(ctx: Ctx, fn: Callable[[], Obj]) -> Obj:
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


async def create(ctx: Ctx) -> web.Response:
    t = ctx.target
    raw = await read(ctx)
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
    if srt.drops_status_on_create:
        obj.pop("status", None)
    hook = managed_hook(ctx, "", srt)
    dry_run = ctx.dry_run
    created = guard(
        ctx,
        lambda: ctx.store.create(srt, obj, namespace=t.namespace, dry_run=dry_run, managed=hook),
    )
    return ctx.written(created, 201)


async def update(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    raw = await read(ctx)
    obj = decode_object(t.rt, raw, ctx.request.headers.get("Content-Type"))
    validate_fields(t.rt, obj, ctx.query.get("fieldValidation", ""), ctx.warnings)
    meta = obj.get("metadata") or {}
    if meta.get("name") and meta["name"] != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta['name']}) does not match the name on the URL ({t.name})"
        )
    return _store_update(ctx, ctx.store.registry.storage_type(t.rt), ctx.stored(obj))


def _store_update(ctx: Ctx, srt: ResourceType, obj: Obj) -> web.Response:
    """Store `obj` over the target object (PUT and PATCH alike) and answer with what was kept."""
    t = ctx.target
    assert t.name is not None
    hook = managed_hook(ctx, t.subresource or "", srt)
    dry_run = ctx.dry_run
    updated = guard(
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


async def patch(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    raw = await read(ctx)
    content_type = ctx.request.headers.get("Content-Type")
    mt = media_type(content_type)
    if mt not in PATCH_TYPES:
        raise errors.unsupported_media_type(PATCH_TYPES)
    if mt == "application/apply-patch+yaml":
        return await apply(ctx, raw)
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
    check_converts(t.rt, patched, raw, content_type)
    validate_fields(t.rt, patched, ctx.query.get("fieldValidation", ""), ctx.warnings)
    meta = patched.get("metadata")
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if meta.get("name") != t.name:
        raise errors.bad_request(
            f"the name of the object ({meta.get('name')}) does not match the name on the URL "
            f"({t.name})"
        )
    # A patch that carries metadata.resourceVersion is a precondition; otherwise none.
    return _store_update(ctx, srt, ctx.stored(patched))


async def apply(ctx: Ctx, raw: bytes) -> web.Response:
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
        if srt.drops_status_on_create:
            obj.pop("status", None)
        created = guard(
            ctx, lambda: ctx.store.create(srt, obj, namespace=t.namespace, dry_run=dry_run)
        )
        return ctx.written(created, 201)
    obj.setdefault("metadata", {})["resourceVersion"] = live_stored["metadata"]["resourceVersion"]
    updated = guard(
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


async def delete_options(ctx: Ctx) -> tuple[str | None, int | None, Obj | None, bool]:
    """propagationPolicy, gracePeriodSeconds, preconditions, dryRun of a DELETE (query + body)."""
    raw = await read(ctx)
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
    grace = int_param(ctx, "gracePeriodSeconds")
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


async def delete(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    policy, grace, pre, dry_run = await delete_options(ctx)
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


async def delete_collection(ctx: Ctx) -> web.Response:
    t = ctx.target
    labels, fields = selectors(ctx)
    policy, grace, _pre, dry_run = await delete_options(ctx)
    deleted = deletion.delete_collection(
        ctx.store,
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


def replica_selector(obj: Obj) -> str:
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
            "selector": replica_selector(obj),
        },
    }


async def scale(ctx: Ctx) -> web.Response:
    t = ctx.target
    assert t.name is not None
    method = ctx.request.method
    # Read the body first: nothing may await between reading the live object and writing it.
    raw = await read(ctx) if method != "GET" else b""
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
    new = record_managed(ctx, new, live, "scale")
    dry_run = ctx.dry_run
    updated = guard(
        ctx,
        lambda: ctx.store.update(t.rt, new, namespace=t.namespace, name=t.name, dry_run=dry_run),
    )
    return ctx.respond(to_scale(updated))
