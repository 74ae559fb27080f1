"""Merging an applied configuration into the live object and pruning what its manager stopped
applying, after sigs.k8s.io/structured-merge-diff's `TypedValue.Merge` and `RemoveItems`."""

from __future__ import annotations

import copy
from typing import Any

from kubelab.sim.objects import Obj
from kubelab.sim.wire.field_sets import MISSING, FieldSet, Path, children, is_leaf
from kubelab.sim.wire.schemas import Schema


def merge(live: Any, config: Any, schema: Schema | None) -> Any:
    """`TypedValue.Merge`: config wins on leaves; structs, maps and keyed lists merge."""
    if live is MISSING or live is None:
        return copy.deepcopy(config)
    if schema is None or is_leaf(schema, config) or type(live) is not type(config):
        return copy.deepcopy(config)
    if isinstance(config, dict):
        out = dict(live)
        for element, child, child_schema in children(config, schema):
            key = element[2:]
            out[key] = merge(out.get(key, MISSING), child, child_schema)
        return out
    return _merge_list(live, config, schema)


def _merge_list(live: list[Any], config: list[Any], schema: Schema) -> list[Any]:
    """Merge keyed (or set) lists like structured-merge-diff: items both sides share take the
    config's order, items only the live list has keep their place among them."""
    items = schema.items()
    lhs = [(element, child) for element, child, _ in children(live, schema)]
    rhs = [(element, child) for element, child, _ in children(config, schema)]
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
                out.append(merge(observed_lhs[element], observed_rhs[element], items))
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
            out.append(merge(observed_lhs.get(element, MISSING), observed_rhs[element], items))
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
        found = children(node, node_schema) if isinstance(node, dict | list) else []
        for index, (child_element, child, child_schema) in enumerate(found):
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


def prune(merged: Obj, owned_now: FieldSet, applied_before: FieldSet, schema: Schema | None) -> Obj:
    """Remove from `merged` what its manager applied before, no longer applies, and nobody
    owns now (`owned_now` holds every manager's fields, the new apply's included)."""
    to_remove = applied_before - owned_now
    for path in sorted(to_remove, key=len):
        if any(p[: len(path)] == path and len(p) > len(path) for p in owned_now):
            continue
        _remove(merged, path, schema)
    return merged
