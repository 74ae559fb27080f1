"""`metadata.managedFields`: which manager owns which fields, stored per manager as entries
with `fieldsType: FieldsV1` (a trie of the paths of field_sets.py), and the ownership an
Update (every create/update/patch that is not an apply) takes, after kube-apiserver's
fieldmanager.

The API server calls `record_managed_fields(new, old, manager, group=..., version=..., kind=...,
subresource=...)` (old is None on create; manager is the `fieldManager` query parameter, or the
client's user agent up to the first `/`, as real servers default it, e.g. `kubectl`,
`Python-urllib`); the writer takes over the fields it changed. kube-apiserver computes this on
the defaulted object, so the creator also owns the defaults (`f:sessionAffinity`,
`f:dnsPolicy`...): it is called after the type's defaults hook to match.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.field_sets import FieldSet, Path, diff, tracked
from kubelab.sim.wire.schemas import schema_for

Manager = tuple[str, str, str, str]  # (manager, operation, apiVersion, subresource)
Owners = dict[Manager, FieldSet]
Times = dict[Manager, str]


def timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


# FieldsV1 <-> field sets
def fields_v1_to_set(tree: Any, prefix: Path = ()) -> FieldSet:
    """Decode a FieldsV1 trie (`{"f:spec": {"f:replicas": {}}}`) into paths."""
    out: FieldSet = set()
    if not isinstance(tree, dict):
        return out
    for key, child in tree.items():
        if key == ".":
            if prefix:
                out.add(prefix)
            continue
        path = (*prefix, key)
        if not child:
            out.add(path)
        else:
            out |= fields_v1_to_set(child, path)
    return out


def _sort_key(element: str) -> tuple[int, str]:
    order = {".": 0, "f": 1, "k": 2, "v": 3, "i": 4}
    return order.get(element[:1], 5), element


def set_to_fields_v1(paths: FieldSet) -> Obj:
    """Encode paths as a FieldsV1 trie, with `.` for members that also have children."""
    root: Obj = {}
    for path in paths:
        node = root
        for element in path:
            node = node.setdefault(element, {})
    members = set(paths)

    def finish(node: Obj, prefix: Path) -> Obj:
        out: Obj = {}
        keys = list(node)
        if prefix in members and keys:
            out["."] = {}
        for key in sorted(keys, key=_sort_key):
            out[key] = finish(node[key], (*prefix, key))
        return out

    return finish(root, ())


# managedFields entries
def load(obj: Obj | None) -> tuple[Owners, Times]:
    """Each manager's fields and last change time, read from `obj`'s managedFields."""
    sets: Owners = {}
    times: Times = {}
    if not obj:
        return sets, times
    entries = (obj.get("metadata") or {}).get("managedFields") or []
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("fieldsType", "FieldsV1") != "FieldsV1":
            continue
        key = (
            str(entry.get("manager", "")),
            str(entry.get("operation", "")),
            str(entry.get("apiVersion", "")),
            str(entry.get("subresource", "")),
        )
        sets[key] = sets.get(key, set()) | fields_v1_to_set(entry.get("fieldsV1") or {})
        if entry.get("time"):
            times[key] = str(entry["time"])
    return sets, times


def _dump(sets: Owners, times: Times) -> list[Obj]:
    entries: list[Obj] = []
    for key, paths in sets.items():
        if not paths:
            continue
        manager, operation, entry_version, subresource = key
        entry: Obj = {"manager": manager, "operation": operation, "apiVersion": entry_version}
        if key in times:
            entry["time"] = times[key]
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = set_to_fields_v1(paths)
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
    entries.sort(
        key=lambda e: (
            e["operation"],
            e.get("time", ""),
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


def store(obj: Obj, sets: Owners, times: Times) -> Obj:
    """`obj` with managedFields written from `sets` (none when nobody owns anything)."""
    entries = _dump(sets, times)
    if obj.get("metadata") is None:
        obj["metadata"] = {}
    meta = obj["metadata"]
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)
    return obj


def drop_empty(sets: Owners, times: Times) -> None:
    """Forget the managers left owning nothing."""
    for key in [k for k, v in sets.items() if not v]:
        del sets[key]
        times.pop(key, None)


def without_managed_fields(obj: Obj | None) -> Obj:
    out = copy.deepcopy(obj) if obj else {}
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta.pop("managedFields", None)
    return out


def _metadata_error(kind: str, version: str, value: Any) -> ApiError:
    json_type = "array" if isinstance(value, list) else type(value).__name__
    json_type = {"str": "string", "int": "number", "float": "number", "bool": "bool"}.get(
        json_type, json_type
    )
    return ApiError(
        400,
        "BadRequest",
        f'{kind} in version "{version}" cannot be handled as a {kind}: json: cannot unmarshal '
        f"{json_type} into Go struct field {kind}.metadata of type v1.ObjectMeta",
    )


def check_object(obj: Any, kind: str, version: str) -> None:
    """400 BadRequest, worded as kube-apiserver's decoder, unless `obj` is an object whose
    metadata (if any) is an object."""
    if not isinstance(obj, dict):
        raise ApiError(400, "BadRequest", f"the {kind} is not an object")
    meta = obj.get("metadata", {})
    if meta is not None and not isinstance(meta, dict):
        raise _metadata_error(kind, version, meta)


@nesting_guard
def record_managed_fields(
    new: Obj,
    old: Obj | None,
    manager: str,
    *,
    group: str,
    version: str,
    kind: str,
    subresource: str = "",
    now: str | None = None,
) -> Obj:
    """`new` with managedFields updated for an Update by `manager` (old is None on create).

    The manager takes ownership of every field it added or changed; other managers lose those
    fields and any field that was removed. Returns a new dict.
    """
    check_object(new, kind, version)
    if old is not None:
        check_object(old, kind, version)
    schema = schema_for(group, version, kind)
    sets, times = load(old)
    before = without_managed_fields(old)
    after = without_managed_fields(new)
    changes = diff(before, after, schema)
    touched = tracked(changes.added | changes.modified, group, kind, subresource)
    removed = tracked(changes.removed, group, kind, subresource)
    me: Manager = (manager, "Update", api_version(group, version), subresource)
    for key in list(sets):
        if key != me:
            sets[key] = sets[key] - touched - removed
    mine = (sets.get(me, set()) - removed) | touched
    if mine != sets.get(me) or (touched or removed):
        times[me] = now or timestamp()
    sets[me] = mine
    drop_empty(sets, times)
    return store(after, sets, times)
