"""Server-side apply and `metadata.managedFields`, after sigs.k8s.io/structured-merge-diff.

Field sets are sets of paths; a path is a tuple of FieldsV1 keys: `f:<field or map key>`,
`k:{"port":80,"protocol":"TCP"}` (an item of a `listType=map` list, by its keys), `v:<json>` (an
item of a `listType=set` list) or `i:<index>`. Atomic lists and maps are leaves. The sets are
stored per manager as `metadata.managedFields` entries (`fieldsType: FieldsV1`).

CORE's integration points:

- every create/update/patch that is not an apply: `record_managed_fields(new, old, manager,
  group=..., version=..., kind=..., subresource=...)` (old is None on create; manager is the
  `fieldManager` query parameter, or the client's user agent up to the first `/`, as real servers
  default it, e.g. `kubectl`, `Python-urllib`); the writer takes over the fields it changed.
  kube-apiserver computes this on the defaulted object, so the creator also owns the defaults
  (`f:sessionAffinity`, `f:dnsPolicy`...): call it after the type's defaults hook to match;
- `PATCH` with `Content-Type: application/apply-patch+yaml`: parse the body (YAML or JSON) into a
  dict and call `server_side_apply(live, applied, manager, force, group, version, kind)` (live is
  None when the object does not exist: the result is then created). Conflicts with other managers
  raise 409 `Conflict` worded as kube-apiserver words them, unless `force=true`. The result
  carries the new managedFields; it equals `live` apart from them when nothing changed. An apply
  that changes only ownership (the same values, a new `Apply` entry) must still be stored, or the
  manager's later applies cannot prune what it stops applying; entry times only change when a
  manager's fields change, so comparing managedFields without `time` tells a real change.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any, Final

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.last_applied import last_applied_object, sync_last_applied
from kubelab.sim.wire.schemas import Schema, schema_for

Path = tuple[str, ...]
FieldSet = set[Path]

_MISSING: Final = object()
# Paths the API server never tracks (fieldmanager's stripMeta) ...
_STRIPPED: Final[set[Path]] = {
    ("f:apiVersion",),
    ("f:kind",),
    ("f:metadata",),
    *(
        ("f:metadata", f"f:{name}")
        for name in (
            "name",
            "namespace",
            "creationTimestamp",
            "selfLink",
            "uid",
            "clusterName",
            "generation",
            "managedFields",
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        )
    ),
}
# ... and the kinds whose main resource ignores `status` (it has a /status subresource).
STATUS_KINDS: Final = {
    ("", "Pod"),
    ("", "Service"),
    ("", "Node"),
    ("", "Namespace"),
    ("", "ReplicationController"),
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "DaemonSet"),
}
# List-map keys left out of an item take the schema default (only Protocol has one here).
_KEY_DEFAULTS: Final = {"protocol": "TCP"}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _item_element(item: Any, index: int, schema: Schema) -> str:
    if schema.list_type == "map" and isinstance(item, dict):
        keys: Obj = {}
        for key in schema.list_map_keys:
            if key in item:
                keys[key] = item[key]
            elif key in _KEY_DEFAULTS:
                keys[key] = _KEY_DEFAULTS[key]
        return "k:" + json.dumps(keys, sort_keys=True, separators=(",", ":"))
    if schema.list_type == "set":
        return "v:" + json.dumps(item, sort_keys=True, separators=(",", ":"))
    return f"i:{index}"


def _is_leaf(schema: Schema | None, value: Any) -> bool:
    if schema is None or schema.is_open:
        return True
    if isinstance(value, dict):
        return schema.map_type == "atomic" or not (schema.properties or schema.values())
    if isinstance(value, list):
        return schema.list_type == "atomic" or schema.items() is None
    return True


def _children(value: Any, schema: Schema) -> list[tuple[str, Any, Schema | None]]:
    """(path element, child value, child schema) of a composite value."""
    out: list[tuple[str, Any, Schema | None]] = []
    if isinstance(value, dict):
        if schema.properties:
            for key, child in value.items():
                out.append((f"f:{key}", child, schema.field(key)))
        else:
            values = schema.values()
            for key, child in value.items():
                out.append((f"f:{key}", child, values))
    elif isinstance(value, list):
        items = schema.items()
        for index, child in enumerate(value):
            out.append((_item_element(child, index, schema), child, items))
    return out


def _to_set(value: Any, schema: Schema | None, path: Path, out: FieldSet) -> None:
    """`TypedValue.ToFieldSet`: leaves, list items, map entries, empty structs."""
    if schema is None or _is_leaf(schema, value):
        out.add(path)
        return
    granular = isinstance(value, list) or not schema.properties
    for element, child, child_schema in _children(value, schema):
        child_path = (*path, element)
        _to_set(child, child_schema, child_path, out)
        if (
            granular
            or child is None
            or (isinstance(child, dict) and not child)
            or child_schema is None
        ):
            out.add(child_path)


@nesting_guard
def to_field_set(obj: Obj, group: str, version: str, kind: str) -> FieldSet:
    """The fields `obj` sets, as the paths server-side apply records for it."""
    out: FieldSet = set()
    _to_set(obj, schema_for(group, version, kind), (), out)
    out.discard(())
    return out


def _compare(
    old: Any,
    new: Any,
    schema: Schema | None,
    path: Path,
    added: FieldSet,
    modified: FieldSet,
    removed: FieldSet,
    node_tracked: bool,
    required: bool = False,
) -> None:
    """Added/modified/removed paths between two values (`TypedValue.Compare`).

    A list or map node counts as added or removed itself unless its field is required: Go
    serializes required fields even when empty, so kube-apiserver's "before" object already has
    them (`f:containers` has no `.`, `f:ports` has). Struct nodes never do, list items and map
    entries always do (`node_tracked`).
    """
    if old is _MISSING and new is _MISSING:
        return
    sample = new if new is not _MISSING else old
    same_shape = (
        old is _MISSING
        or new is _MISSING
        or type(old) is type(new)
        or (not isinstance(old, dict | list) and not isinstance(new, dict | list))
    )
    if (
        schema is None
        or sample == {}
        or sample == []
        or _is_leaf(schema, sample)
        or not same_shape
        or not isinstance(sample, dict | list)
    ):
        if old is _MISSING:
            added.add(path)
        elif new is _MISSING:
            removed.add(path)
        elif old != new:
            modified.add(path)
        return
    old_children = {e: (v, s) for e, v, s in _children(old, schema)} if old is not _MISSING else {}
    new_children = {e: (v, s) for e, v, s in _children(new, schema)} if new is not _MISSING else {}
    granular = isinstance(sample, list) or not schema.properties
    required_fields = set(schema.node.get("required", ())) if not granular else set()
    for element in [*old_children, *(e for e in new_children if e not in old_children)]:
        old_value, child_schema = old_children.get(element, (_MISSING, None))
        new_value, new_schema = new_children.get(element, (_MISSING, None))
        _compare(
            old_value,
            new_value,
            new_schema or child_schema,
            (*path, element),
            added,
            modified,
            removed,
            granular,
            element[2:] in required_fields,
        )
    if node_tracked or (granular and not required):
        if old is _MISSING:
            added.add(path)
        elif new is _MISSING:
            removed.add(path)


def _diff(old: Obj, new: Obj, schema: Schema | None) -> tuple[FieldSet, FieldSet, FieldSet]:
    added: FieldSet = set()
    modified: FieldSet = set()
    removed: FieldSet = set()
    _compare(old, new, schema, (), added, modified, removed, False)
    for part in (added, modified, removed):
        part.discard(())
    return added, modified, removed


def _filter(paths: FieldSet, group: str, kind: str, subresource: str) -> FieldSet:
    out = {p for p in paths if p not in _STRIPPED}
    if (group, kind) in STATUS_KINDS:
        if subresource == "status":
            out = {
                p
                for p in out
                if p[:1] == ("f:status",)
                or p[:2] == ("f:metadata", "f:labels")
                or p[:2] == ("f:metadata", "f:annotations")
            }
        elif not subresource:
            out = {p for p in out if p[:1] != ("f:status",)}
    return out


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
Manager = tuple[str, str, str, str]  # (manager, operation, apiVersion, subresource)


def _load(obj: Obj | None) -> tuple[dict[Manager, FieldSet], dict[Manager, str]]:
    sets: dict[Manager, FieldSet] = {}
    times: dict[Manager, str] = {}
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


def _dump(sets: dict[Manager, FieldSet], times: dict[Manager, str]) -> list[Obj]:
    entries: list[Obj] = []
    for key, paths in sets.items():
        if not paths:
            continue
        manager, operation, api_version, subresource = key
        entry: Obj = {"manager": manager, "operation": operation, "apiVersion": api_version}
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


def _api_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def _without_managed_fields(obj: Obj | None) -> Obj:
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


def _check_object(obj: Any, kind: str, version: str) -> None:
    if not isinstance(obj, dict):
        raise ApiError(400, "BadRequest", f"the {kind} is not an object")
    meta = obj.get("metadata", {})
    if meta is not None and not isinstance(meta, dict):
        raise _metadata_error(kind, version, meta)


def _store(obj: Obj, sets: dict[Manager, FieldSet], times: dict[Manager, str]) -> Obj:
    entries = _dump(sets, times)
    if obj.get("metadata") is None:
        obj["metadata"] = {}
    meta = obj["metadata"]
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)
    return obj


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
    _check_object(new, kind, version)
    if old is not None:
        _check_object(old, kind, version)
    schema = schema_for(group, version, kind)
    sets, times = _load(old)
    before = _without_managed_fields(old)
    after = _without_managed_fields(new)
    added, modified, removed = _diff(before, after, schema)
    touched = _filter(added | modified, group, kind, subresource)
    removed = _filter(removed, group, kind, subresource)
    me: Manager = (manager, "Update", _api_version(group, version), subresource)
    for key in list(sets):
        if key != me:
            sets[key] = sets[key] - touched - removed
    mine = (sets.get(me, set()) - removed) | touched
    if mine != sets.get(me) or (touched or removed):
        times[me] = now or _now()
    sets[me] = mine
    for key in [k for k, v in sets.items() if not v]:
        del sets[key]
        times.pop(key, None)
    return _store(after, sets, times)


# Apply: merge, prune, conflicts
def _merge(live: Any, config: Any, schema: Schema | None) -> Any:
    """`TypedValue.Merge`: config wins on leaves; structs, maps and keyed lists merge."""
    if live is _MISSING or live is None:
        return copy.deepcopy(config)
    if schema is None or _is_leaf(schema, config) or type(live) is not type(config):
        return copy.deepcopy(config)
    if isinstance(config, dict):
        out = dict(live)
        for element, child, child_schema in _children(config, schema):
            key = element[2:]
            out[key] = _merge(out.get(key, _MISSING), child, child_schema)
        return out
    return _merge_list(live, config, schema)


def _merge_list(live: list[Any], config: list[Any], schema: Schema) -> list[Any]:
    """Merge keyed (or set) lists like structured-merge-diff: items both sides share take the
    config's order, items only the live list has keep their place among them."""
    items = schema.items()
    lhs = [(element, child) for element, child, _ in _children(live, schema)]
    rhs = [(element, child) for element, child, _ in _children(config, schema)]
    observed_lhs: dict[str, Any] = {}
    for element, child in lhs:
        observed_lhs.setdefault(element, child)
    observed_rhs: dict[str, Any] = {}
    for element, child in rhs:
        observed_rhs.setdefault(element, child)
    shared = [element for element, _ in rhs if element in observed_lhs]
    next_shared = shared.pop(0) if shared else None
    merged_rhs: set[str] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(lhs) or ri < len(rhs):
        if li < len(lhs) and ri < len(rhs):
            element = lhs[li][0]
            if element == rhs[ri][0]:
                merged_rhs.add(element)
                out.append(_merge(observed_lhs[element], observed_rhs[element], items))
                li += 1
                ri += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in observed_rhs and next_shared is not None and next_shared != element:
                li += 1
                continue
        if li < len(lhs):
            element = lhs[li][0]
            if element not in observed_rhs:
                out.append(lhs[li][1])
                li += 1
                continue
            if element in merged_rhs:
                li += 1  # already merged with its config item; no `continue`, as upstream
        if ri < len(rhs):
            element = rhs[ri][0]
            merged_rhs.add(element)
            out.append(_merge(observed_lhs.get(element, _MISSING), observed_rhs[element], items))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop(0) if shared else None
    return out


def _remove(obj: Any, path: Path, schema: Schema | None) -> None:
    """Remove the value at `path` from `obj` in place, if it is there."""
    node = obj
    node_schema = schema
    for depth, element in enumerate(path):
        last = depth == len(path) - 1
        if node_schema is None:
            return
        children = _children(node, node_schema) if isinstance(node, dict | list) else []
        for index, (child_element, child, child_schema) in enumerate(children):
            if child_element != element:
                continue
            if last:
                if isinstance(node, dict):
                    node.pop(element[2:], None)
                else:
                    del node[index]
                return
            node, node_schema = child, child_schema
            break
        else:
            return


def _prune(
    merged: Obj,
    sets: dict[Manager, FieldSet],
    me: Manager,
    last: FieldSet,
    schema: Schema | None,
) -> Obj:
    """Remove what this manager applied before, no longer applies, and nobody else owns."""
    owned_now = set().union(*sets.values()) if sets else set()
    to_remove = last - owned_now
    for path in sorted(to_remove, key=len):
        if any(p[: len(path)] == path and len(p) > len(path) for p in owned_now):
            continue
        _remove(merged, path, schema)
    return merged


def _path_text(path: Path) -> str:
    out = ""
    for element in path:
        kind, rest = element[:1], element[2:]
        if kind == "f":
            out += f".{rest}"
        elif kind == "k":
            keys = json.loads(rest)
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        elif kind == "v":
            out += f"[={rest}]"
        else:
            out += f"[{rest}]"
    return out


def _manager_text(key: Manager) -> str:
    manager, operation, api_version, subresource = key
    text = json.dumps(manager)
    if subresource:
        text += f" with subresource {json.dumps(subresource)}"
    if operation == "Update":
        text += f" using {api_version}"
    return text


def _conflict_error(conflicts: list[tuple[Manager, Path]]) -> ApiError:
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_manager_text(key)}",
            "field": _path_text(path),
        }
        for key, path in conflicts
    ]
    if len(conflicts) == 1:
        key, path = conflicts[0]
        message = (
            f"Apply failed with 1 conflict: conflict with {_manager_text(key)}: {_path_text(path)}"
        )
    else:
        by_manager: dict[str, list[str]] = {}
        for key, path in conflicts:
            by_manager.setdefault(_manager_text(key), []).append(_path_text(path))
        lines: list[str] = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {p}" for p in by_manager[manager])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, "Conflict", message, {"causes": causes})


@nesting_guard
def server_side_apply(
    live: Obj | None,
    applied: Obj,
    manager: str,
    force: bool,
    group: str,
    version: str,
    kind: str,
    *,
    subresource: str = "",
    now: str | None = None,
) -> Obj:
    """Apply `applied` (the apply-patch body) as `manager` onto `live` (None: create)."""
    api_version = _api_version(group, version)
    if not manager:
        raise ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
            "is required for apply patch",
        )
    if not isinstance(applied, dict):
        raise ApiError(400, "BadRequest", "error decoding YAML: the apply body is not an object")
    if applied.get("apiVersion") != api_version or applied.get("kind") != kind:
        raise ApiError(
            400,
            "BadRequest",
            f"the body of the request was in an unknown format: apiVersion/kind must be "
            f"{api_version}/{kind}, got {applied.get('apiVersion')}/{applied.get('kind')}",
        )
    _check_object(applied, kind, version)
    if live is not None:
        _check_object(live, kind, version)
    schema = schema_for(group, version, kind)
    config = _without_managed_fields(applied)
    if (group, kind) in STATUS_KINDS and not subresource:
        config.pop("status", None)
    sets, times = _load(live)
    base = _without_managed_fields(live)
    if live and not sets:
        # An object nobody manages yet: its fields belong to "before-first-apply", so the
        # first apply conflicts where it changes them (as kube-apiserver does).
        seed: FieldSet = set()
        _to_set(base, schema, (), seed)
        seed = _filter(seed - {()}, group, kind, subresource)
        if seed:
            sets[("before-first-apply", "Update", api_version, subresource)] = seed
    merged = _merge(base, config, schema) if live else copy.deepcopy(config)
    me: Manager = (manager, "Apply", api_version, subresource)
    last = sets.get(me, set())
    new_set: FieldSet = set()
    _to_set(config, schema, (), new_set)
    new_set.discard(())
    sets[me] = _filter(new_set, group, kind, subresource)
    merged = _prune(merged, sets, me, last, schema)
    added, modified, removed = _diff(base, merged, schema)
    changed = _filter(added | modified, group, kind, subresource)
    removed = _filter(removed, group, kind, subresource)
    conflicts: list[tuple[Manager, Path]] = []
    for key, paths in sets.items():
        if key == me:
            continue
        for path in sorted(paths & changed):
            conflicts.append((key, path))
    if conflicts and not force:
        conflicts = _conflicts_after_client_side_apply(
            conflicts, live, manager, group, version, kind
        )
        if conflicts:
            raise _conflict_error(conflicts)
    for key in list(sets):
        if key != me:
            sets[key] = sets[key] - changed - removed
    if sets[me] != last or changed or removed or me not in times:
        times[me] = now or _now()
    for key in [k for k, v in sets.items() if not v]:
        del sets[key]
        times.pop(key, None)
    sync_last_applied(merged, live, applied, manager)
    return _store(merged, sets, times)


def _conflicts_after_client_side_apply(
    conflicts: list[tuple[Manager, Path]],
    live: Obj | None,
    manager: str,
    group: str,
    version: str,
    kind: str,
) -> list[tuple[Manager, Path]]:
    """The conflicts left when the fields client-side apply last applied are allowed
    (lastAppliedManager): all of them when there is no annotation or `manager` is not kubectl,
    none when every conflicting field is in the annotation (the apply is then forced)."""
    last = last_applied_object(live, manager)
    if last is None:
        return conflicts
    allowed = to_field_set(last, group, version, kind)
    remaining = [(key, path) for key, path in conflicts if path not in allowed]
    return remaining
