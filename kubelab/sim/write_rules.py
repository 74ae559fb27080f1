"""What a write stores, step by step: the key of a new object, which object an update names
and whether its resourceVersion is current, what an update replaces (per subresource), the
metadata only the server sets, when a deletion is due, a delete's grace period and
preconditions."""

from __future__ import annotations

from kubelab.sim import errors
from kubelab.sim.continue_tokens import Key
from kubelab.sim.metadata import SYSTEM_FIELDS
from kubelab.sim.objects import Obj, clone, random_suffix
from kubelab.sim.registry import ResourceType


def new_object_key(rt: ResourceType, new: Obj, namespace: str | None) -> Key:
    """The (namespace, name) of an object being created: the request's namespace (which the
    object's must match), and its name or one generated from `generateName`."""
    meta = new.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    if rt.namespaced:
        ns = namespace or meta.get("namespace") or "default"
        if meta.get("namespace") and namespace and meta["namespace"] != namespace:
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
        ns = ""
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = f"{meta['generateName']}{random_suffix()}"
    name = meta.get("name")
    if not name:
        raise errors.invalid(
            rt.kind,
            "",
            [errors.required("metadata.name", "name or generateName is required")],
            rt.group,
        )
    if not isinstance(name, str):
        raise errors.bad_request("metadata.name must be a string")
    return ns, name


def update_target(
    rt: ResourceType, obj: Obj, namespace: str | None, name: str | None
) -> tuple[Obj, str, str]:
    """The metadata of the object an update sends, and the (namespace, name) it updates: the
    request's, else the object's (a 400 when there is no name)."""
    meta_in = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(meta_in, dict)
    name = name or meta_in.get("name")
    ns = (namespace or meta_in.get("namespace") or "default") if rt.namespaced else ""
    if not name:
        raise errors.bad_request("name is required")
    return meta_in, ns, name


def check_update_version(rt: ResourceType, name: str, want_rv: object, current: Obj) -> None:
    """An update must name the stored resourceVersion (422 without one, unless the type allows
    unconditional updates; 409 Conflict when it is stale)."""
    if not want_rv and not rt.unconditional_update:
        # staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go (Update)
        raise errors.invalid(
            rt.plural,
            name,
            [
                errors.invalid_value(
                    "metadata.resourceVersion", 0, "must be specified for an update"
                )
            ],
            rt.group,
        )
    if want_rv and str(want_rv) != current["metadata"]["resourceVersion"]:
        raise errors.stale(rt.plural, name, rt.group)


def replacement(rt: ResourceType, current: Obj, obj: Obj, subresource: str | None) -> Obj:
    """What an update stores: for `status` only the status (and who manages it) changes (like
    ResetObjectMetaForStatus), for `ephemeralcontainers` only spec.ephemeralContainers; a
    main-resource write keeps the stored status and ephemeral containers."""
    meta_in = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(meta_in, dict)
    if subresource in ("status", "ephemeralcontainers"):
        new = clone(current)
        if subresource == "status":
            if "status" in obj:
                new["status"] = clone(obj["status"])
            else:
                new.pop("status", None)
        else:
            spec_in = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
            assert isinstance(spec_in, dict)
            new.setdefault("spec", {})["ephemeralContainers"] = clone(
                spec_in.get("ephemeralContainers") or []
            )
        if "managedFields" in meta_in:
            new["metadata"]["managedFields"] = clone(meta_in["managedFields"])
        return new
    new = clone(obj)
    new["apiVersion"] = rt.api_version
    new["kind"] = rt.kind
    if rt.has_status:
        if "status" in current:
            new["status"] = clone(current["status"])
        else:
            new.pop("status", None)
    if "ephemeralcontainers" in rt.subresources and isinstance(new.get("spec"), dict):
        kept = (current.get("spec") or {}).get("ephemeralContainers")
        if kept:
            new["spec"]["ephemeralContainers"] = clone(kept)
        else:
            new["spec"].pop("ephemeralContainers", None)
    return new


def keep_server_metadata(rt: ResourceType, new: Obj, current: Obj, ns: str, name: str) -> Obj:
    """The fields only the server sets keep their stored values; name and namespace are the
    request's. Returns the new object's metadata."""
    meta = new.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.bad_request("metadata must be an object")
    for k in SYSTEM_FIELDS:
        if k in current["metadata"]:
            meta[k] = current["metadata"][k]
        else:
            meta.pop(k, None)
    meta["name"] = name
    if rt.namespaced:
        meta["namespace"] = ns
    else:
        meta.pop("namespace", None)
    return meta


def deletion_due(rt: ResourceType, meta: Obj) -> bool:
    """An update removed the last finalizer of an object being deleted: it goes now, unless a
    graceful type is still in its grace period (its timer, or a delete with grace 0, ends it)."""
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    return not (rt.graceful_deletion and meta.get("deletionGracePeriodSeconds"))


def deletion_grace(rt: ResourceType, current: Obj, grace_seconds: int | None) -> int | None:
    """The grace period a delete gives: the request's, else (for a graceful type) the object's
    `terminationGracePeriodSeconds` (30 by default), as the type's `grace_period` adjusts it."""
    grace = grace_seconds
    if rt.graceful_deletion and grace is None:
        spec = current.get("spec") or {}
        grace = int(spec.get("terminationGracePeriodSeconds", 30))
    if rt.graceful_deletion and rt.grace_period is not None and grace is not None:
        grace = rt.grace_period(current, grace)
    return grace


def check_preconditions(rt: ResourceType, name: str, meta: Obj, preconditions: Obj) -> None:
    uid = preconditions.get("uid")
    if uid and uid != meta.get("uid"):
        raise errors.conflict(
            rt.plural,
            name,
            f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
            f"{meta.get('uid')}",
            rt.group,
        )
    want_rv = preconditions.get("resourceVersion")
    if want_rv and str(want_rv) != meta.get("resourceVersion"):
        raise errors.conflict(
            rt.plural,
            name,
            f"Precondition failed: ResourceVersion in precondition: {want_rv}, "
            f"ResourceVersion in object meta: {meta.get('resourceVersion')}",
            rt.group,
        )
