"""Field sets of typed values, after sigs.k8s.io/structured-merge-diff's `TypedValue`.

A field set is a set of paths; a path is a tuple of FieldsV1 keys: `f:<field or map key>`,
`k:{"port":80,"protocol":"TCP"}` (an item of a `listType=map` list, by its keys), `v:<json>` (an
item of a `listType=set` list) or `i:<index>`. Atomic lists and maps are leaves. Here: the set a
value sets (`ToFieldSet`), what changed between two values (`Compare`), and the paths the API
server never tracks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.schemas import Schema, schema_for

Path = tuple[str, ...]
FieldSet = set[Path]

MISSING: Final = object()  # a field or item one side of a comparison does not have
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


def is_leaf(schema: Schema | None, value: Any) -> bool:
    if schema is None or schema.is_open:
        return True
    if isinstance(value, dict):
        return schema.map_type == "atomic" or not (schema.properties or schema.values())
    if isinstance(value, list):
        return schema.list_type == "atomic" or schema.items() is None
    return True


def children(value: Any, schema: Schema) -> list[tuple[str, Any, Schema | None]]:
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


def collect_fields(value: Any, schema: Schema | None, path: Path, out: FieldSet) -> None:
    """`TypedValue.ToFieldSet`: leaves, list items, map entries, empty structs."""
    if schema is None or is_leaf(schema, value):
        out.add(path)
        return
    granular = isinstance(value, list) or not schema.properties
    for element, child, child_schema in children(value, schema):
        child_path = (*path, element)
        collect_fields(child, child_schema, child_path, out)
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
    collect_fields(obj, schema_for(group, version, kind), (), out)
    out.discard(())
    return out


@dataclass
class Changes:
    """The paths a comparison found added, modified and removed."""

    added: FieldSet = field(default_factory=set)
    modified: FieldSet = field(default_factory=set)
    removed: FieldSet = field(default_factory=set)

    def record(self, old: Any, new: Any, path: Path) -> None:
        """Note `path` as added, removed or modified, as `old` and `new` (or MISSING) say."""
        if old is MISSING:
            self.added.add(path)
        elif new is MISSING:
            self.removed.add(path)
        elif old != new:
            self.modified.add(path)


def _compared_whole(old: Any, new: Any, schema: Schema | None) -> bool:
    """Whether `old` and `new` compare as single values rather than field by field: leaves,
    empty composites, and values whose type changed."""
    sample = new if new is not MISSING else old
    same_shape = (
        old is MISSING
        or new is MISSING
        or type(old) is type(new)
        or (not isinstance(old, dict | list) and not isinstance(new, dict | list))
    )
    return (
        schema is None
        or sample == {}
        or sample == []
        or is_leaf(schema, sample)
        or not same_shape
        or not isinstance(sample, dict | list)
    )


def _compare(
    old: Any,
    new: Any,
    schema: Schema | None,
    path: Path,
    changes: Changes,
    node_tracked: bool,
    required: bool = False,
) -> None:
    """Added/modified/removed paths between two values (`TypedValue.Compare`).

    A list or map node counts as added or removed itself unless its field is required: Go
    serializes required fields even when empty, so kube-apiserver's "before" object already has
    them (`f:containers` has no `.`, `f:ports` has). Struct nodes never do, list items and map
    entries always do (`node_tracked`).
    """
    if old is MISSING and new is MISSING:
        return
    if schema is None or _compared_whole(old, new, schema):
        changes.record(old, new, path)
        return
    sample = new if new is not MISSING else old
    old_children = {e: (v, s) for e, v, s in children(old, schema)} if old is not MISSING else {}
    new_children = {e: (v, s) for e, v, s in children(new, schema)} if new is not MISSING else {}
    granular = isinstance(sample, list) or not schema.properties
    required_fields = set(schema.node.get("required", ())) if not granular else set()
    for element in [*old_children, *(e for e in new_children if e not in old_children)]:
        old_value, child_schema = old_children.get(element, (MISSING, None))
        new_value, new_schema = new_children.get(element, (MISSING, None))
        _compare(
            old_value,
            new_value,
            new_schema or child_schema,
            (*path, element),
            changes,
            granular,
            element[2:] in required_fields,
        )
    if (node_tracked or (granular and not required)) and (old is MISSING or new is MISSING):
        changes.record(old, new, path)


def diff(old: Obj, new: Obj, schema: Schema | None) -> Changes:
    """What changed from `old` to `new`, the root itself left out."""
    changes = Changes()
    _compare(old, new, schema, (), changes, False)
    for part in (changes.added, changes.modified, changes.removed):
        part.discard(())
    return changes


def tracked(paths: FieldSet, group: str, kind: str, subresource: str) -> FieldSet:
    """The paths of `paths` a manager can own through `subresource` ("" for the main resource):
    never the stripped metadata; on kinds with a /status subresource, only `status` (and labels
    and annotations) there and everything but `status` on the main resource."""
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
