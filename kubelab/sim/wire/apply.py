"""Server-side apply, after sigs.k8s.io/structured-merge-diff: the configuration is merged into
the live object (apply_merge.py), what its manager stopped applying is pruned, and fields
another manager owns (managed_fields.py) conflict unless the apply is forced.

The API server calls it for `PATCH` with `Content-Type: application/apply-patch+yaml`: it parses
the body (YAML or JSON) into a dict and calls `server_side_apply(live, applied, manager, force,
group, version, kind)` (live is None when the object does not exist: the result is then
created). Conflicts with other managers raise 409 `Conflict` worded as kube-apiserver words
them, unless `force=true`. The result carries the new managedFields; it equals `live` apart
from them when nothing changed. An apply that changes only ownership (the same values, a new
`Apply` entry) must still be stored, or the manager's later applies cannot prune what it stops
applying; entry times only change when a manager's fields change, so comparing managedFields
without `time` tells a real change.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.apply_merge import merge, prune
from kubelab.sim.wire.field_sets import (
    STATUS_KINDS,
    FieldSet,
    Path,
    collect_fields,
    diff,
    to_field_set,
    tracked,
)
from kubelab.sim.wire.last_applied import last_applied_object, sync_last_applied
from kubelab.sim.wire.managed_fields import (
    Manager,
    Owners,
    api_version,
    check_object,
    drop_empty,
    load,
    store,
    timestamp,
    without_managed_fields,
)
from kubelab.sim.wire.schemas import Schema, schema_for

Conflict = tuple[Manager, Path]


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
    _check_body(applied, manager, group, version, kind)
    if live is not None:
        check_object(live, kind, version)
    schema = schema_for(group, version, kind)
    config = without_managed_fields(applied)
    if (group, kind) in STATUS_KINDS and not subresource:
        config.pop("status", None)
    sets, times = load(live)
    base = without_managed_fields(live)
    if live and not sets:
        _before_first_apply(sets, base, schema, group, version, kind, subresource)
    merged = merge(base, config, schema) if live else copy.deepcopy(config)
    me: Manager = (manager, "Apply", api_version(group, version), subresource)
    last = sets.get(me, set())
    new_set: FieldSet = set()
    collect_fields(config, schema, (), new_set)
    new_set.discard(())
    sets[me] = tracked(new_set, group, kind, subresource)
    merged = prune(merged, set().union(*sets.values()), last, schema)
    changes = diff(base, merged, schema)
    changed = tracked(changes.added | changes.modified, group, kind, subresource)
    removed = tracked(changes.removed, group, kind, subresource)
    conflicts = _conflicts(sets, me, changed)
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
        times[me] = now or timestamp()
    drop_empty(sets, times)
    sync_last_applied(merged, live, applied, manager)
    return store(merged, sets, times)


def _check_body(applied: Any, manager: str, group: str, version: str, kind: str) -> None:
    """The errors kube-apiserver gives for an apply without a field manager, a body that is
    not an object, or one of another apiVersion/kind."""
    if not manager:
        raise ApiError(
            422,
            "Invalid",
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
            "is required for apply patch",
        )
    if not isinstance(applied, dict):
        raise ApiError(400, "BadRequest", "error decoding YAML: the apply body is not an object")
    expected = api_version(group, version)
    if applied.get("apiVersion") != expected or applied.get("kind") != kind:
        raise ApiError(
            400,
            "BadRequest",
            f"the body of the request was in an unknown format: apiVersion/kind must be "
            f"{expected}/{kind}, got {applied.get('apiVersion')}/{applied.get('kind')}",
        )
    check_object(applied, kind, version)


def _before_first_apply(
    sets: Owners,
    base: Obj,
    schema: Schema | None,
    group: str,
    version: str,
    kind: str,
    subresource: str,
) -> None:
    """An object nobody manages yet: its fields belong to "before-first-apply", so the first
    apply conflicts where it changes them (as kube-apiserver does)."""
    seed: FieldSet = set()
    collect_fields(base, schema, (), seed)
    seed = tracked(seed - {()}, group, kind, subresource)
    if seed:
        sets[("before-first-apply", "Update", api_version(group, version), subresource)] = seed


def _conflicts(sets: Owners, me: Manager, changed: FieldSet) -> list[Conflict]:
    """The changed fields other managers own, by manager."""
    conflicts: list[Conflict] = []
    for key, paths in sets.items():
        if key == me:
            continue
        for path in sorted(paths & changed):
            conflicts.append((key, path))
    return conflicts


def _conflicts_after_client_side_apply(
    conflicts: list[Conflict],
    live: Obj | None,
    manager: str,
    group: str,
    version: str,
    kind: str,
) -> list[Conflict]:
    """The conflicts left when the fields client-side apply last applied are allowed
    (lastAppliedManager): all of them when there is no annotation or `manager` is not kubectl,
    none when every conflicting field is in the annotation (the apply is then forced)."""
    last = last_applied_object(live, manager)
    if last is None:
        return conflicts
    allowed = to_field_set(last, group, version, kind)
    remaining = [(key, path) for key, path in conflicts if path not in allowed]
    return remaining


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
    manager, operation, entry_version, subresource = key
    text = json.dumps(manager)
    if subresource:
        text += f" with subresource {json.dumps(subresource)}"
    if operation == "Update":
        text += f" using {entry_version}"
    return text


def _conflict_error(conflicts: list[Conflict]) -> ApiError:
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
