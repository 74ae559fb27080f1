"""Strategic merge patch, applied the way `k8s.io/apimachinery/pkg/util/strategicpatch` applies
it on the server (`StrategicMergeMapPatch` with `MergeParallelList` and `IgnoreUnmatchedNulls`).

Merge keys and strategies come from the served OpenAPI schemas (`x-kubernetes-patch-merge-key`,
`x-kubernetes-patch-strategy`). Directives: `$patch: replace|delete` (maps and list elements),
`$setElementOrder/<list>`, `$retainKeys`, `$deleteFromPrimitiveList/<list>`; a `null` value
deletes a field. Lists without the `merge` strategy are replaced whole.

CORE calls `strategic_merge_patch(live, patch, group, version, kind)` for
`Content-Type: application/strategic-merge-patch+json` (after decoding the body as a JSON
object; a body that is not an object is a 400) and stores the result after the usual update path
(validation, `unknown_fields`, resourceVersion checks).
"""

from __future__ import annotations

import copy
from typing import Any, Final

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard
from kubelab.sim.wire.schemas import Schema, schema_for

DIRECTIVE: Final = "$patch"
REPLACE: Final = "replace"
DELETE: Final = "delete"
MERGE: Final = "merge"
RETAIN_KEYS: Final = "$retainKeys"
SET_ORDER: Final = "$setElementOrder/"
DELETE_PRIMITIVE: Final = "$deleteFromPrimitiveList/"


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _invalid(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


@nesting_guard
def strategic_merge_patch(original: Obj, patch: Obj, group: str, version: str, kind: str) -> Obj:
    """Apply a strategic merge patch to `original` (not modified) and return the result."""
    if not isinstance(patch, dict):
        raise _bad_request("the body of the request was not a JSON object")
    schema = schema_for(group, version, kind)
    result = _merge_map(copy.deepcopy(original), copy.deepcopy(patch), schema)
    cleaned = _strip_directives(result)
    assert isinstance(cleaned, dict)
    return cleaned


def _field_meta(schema: Schema | None, key: str) -> tuple[Schema | None, list[str], str]:
    """The schema of field `key` and its patch strategies and merge key."""
    if schema is None:
        return None, [], ""
    sub = schema.field(key)
    if sub is None:
        values = schema.values()
        return values, [], ""
    return sub, sub.patch_strategies, sub.patch_merge_key


def _strategy(strategies: list[str]) -> str:
    """The strategy once `retainKeys` is set aside (`extractRetainKeysPatchStrategy`)."""
    rest = [s for s in strategies if s != "retainKeys"]
    if len(rest) > 1:
        raise _bad_request(f"unexpected patch strategy: {','.join(strategies)}")
    return rest[0] if rest else ""


def _merge_map(original: Obj | None, patch: Obj, schema: Schema | None) -> Obj:
    if DIRECTIVE in patch:
        directive = patch[DIRECTIVE]
        if directive == REPLACE:
            del patch[DIRECTIVE]
            return patch
        if directive == DELETE:
            return {}
        raise _bad_request(f"Unknown patch type: {directive} in map: {patch}")
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    for key, patch_value in list(patch.items()):
        if key.startswith(SET_ORDER):
            continue
        is_delete_list = False
        if key.startswith(DELETE_PRIMITIVE):
            key = key[len(DELETE_PRIMITIVE) :]
            is_delete_list = True
        if patch_value is None:
            original.pop(key, None)
            continue
        if key not in original:
            if not is_delete_list and not _is_delete_directive(patch_value):
                original[key] = _discard_nulls(patch_value)
            continue
        live = original[key]
        if not (
            (isinstance(live, dict) and isinstance(patch_value, dict))
            or (isinstance(live, list) and isinstance(patch_value, list))
        ):
            if not is_delete_list:
                if _is_delete_directive(patch_value):
                    original.pop(key, None)
                else:
                    original[key] = _discard_nulls(patch_value)
            continue
        sub, strategies, merge_key = _field_meta(schema, key)
        strategy = _strategy(strategies)
        if isinstance(live, dict) and isinstance(patch_value, dict):
            if strategy == REPLACE:
                original[key] = patch_value
            else:
                original[key] = _merge_map(live, patch_value, sub)
        elif isinstance(live, list) and isinstance(patch_value, list):
            item_schema = sub.items() if sub is not None else None
            if strategy == MERGE:
                original[key] = _merge_slice(
                    live, patch_value, item_schema, merge_key, is_delete_list
                )
            else:
                original[key] = patch_value
    return original


def _is_delete_directive(value: Any) -> bool:
    """A value that is itself `{"$patch": "delete"}` (`removeDirectives` drops the key)."""
    return isinstance(value, dict) and value.get(DIRECTIVE) == DELETE


def _discard_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _discard_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_discard_nulls(v) for v in value]
    return value


def _apply_retain_keys(original: Obj, patch: Obj) -> None:
    if RETAIN_KEYS not in patch:
        return
    retain = patch.pop(RETAIN_KEYS)
    if not isinstance(retain, list):
        raise _bad_request("invalid patch: $retainKeys must be a list")
    keep = set(k for k in retain if isinstance(k, str))
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_PRIMITIVE, SET_ORDER, "$")):
            continue
        if key not in keep:
            raise _bad_request("doesn't match the retainKeys")
    for key in list(original):
        if key not in keep:
            del original[key]


def _merge_ordered_lists(original: Obj, patch: Obj, schema: Schema | None) -> None:
    """Merge each list that has a `$setElementOrder/<list>` directive and enforce that order."""
    for key in [k for k in patch if k.startswith(SET_ORDER)]:
        order = patch[key]
        if not isinstance(order, list):
            raise _bad_request(f"invalid patch: {key} must be a list")
        name = key[len(SET_ORDER) :]
        live = original.get(name)
        patched = patch.get(name)
        if live is not None and not isinstance(live, list):
            raise _bad_request(f"invalid patch: {name} is not a list")
        if patched is not None and not isinstance(patched, list):
            raise _bad_request(f"invalid patch: {name} is not a list")
        sub, strategies, merge_key = _field_meta(schema, name)
        strategy = _strategy(strategies)
        item_schema = sub.items() if sub is not None else None
        _validate_order(patched or [], order, merge_key)
        if live is not None and patched is None:
            merged = live
        elif live is None and patched is not None:
            merged = [v for v in patched if not (isinstance(v, dict) and DIRECTIVE in v)]
        elif live is not None and patched is not None:
            if strategy == MERGE:
                merged = _merge_slice(live, patched, item_schema, merge_key, False)
            else:
                merged = patched
        else:
            continue
        patch_items, server_only = _partition(merged, order, merge_key)
        original[name] = _normalize_order(patch_items, server_only, order, live or [], merge_key)
        patch.pop(name, None)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """Every non-directive patch item must appear in `$setElementOrder`, in the same order."""
    positions: list[int] = []
    for item in patch_list:
        if isinstance(item, dict) and DIRECTIVE in item:
            continue
        index = _index(order, item, merge_key)
        if index < 0:
            raise _bad_request(
                "invalid patch: $setElementOrder list does not contain all items of the patch list"
            )
        positions.append(index)
    if positions != sorted(positions):
        raise _bad_request("invalid patch: $setElementOrder list is not in the patch list's order")


def _key_of(item: Any, merge_key: str) -> Any:
    if merge_key and isinstance(item, dict):
        return item.get(merge_key)
    return item


def _index(items: list[Any], item: Any, merge_key: str) -> int:
    wanted = _key_of(item, merge_key)
    for i, candidate in enumerate(items):
        if _key_of(candidate, merge_key) == wanted:
            return i
    return -1


def _merge_slice(
    original: list[Any],
    patch: list[Any],
    item_schema: Schema | None,
    merge_key: str,
    is_delete_list: bool,
) -> list[Any]:
    if not original and not patch:
        return original
    sample = next((v for v in [*original, *patch]), None)
    if isinstance(sample, list):
        raise _invalid("merging lists of lists is not supported")
    if not isinstance(sample, dict):
        if is_delete_list:
            return [v for v in original if v not in patch]
        merged: list[Any] = []
        for value in [*original, *patch]:
            if value not in merged:
                merged.append(value)
    else:
        if not merge_key:
            raise _bad_request("cannot merge lists without merge key")
        original, patch = _special_elements(original, patch, merge_key)
        merged = list(original)
        for item in patch:
            if not isinstance(item, dict) or merge_key not in item:
                raise _bad_request(f"map: {item} does not contain declared merge key: {merge_key}")
            index = _index(merged, item, merge_key)
            if index >= 0:
                merged[index] = _merge_map(merged[index], item, item_schema)
            else:
                merged.append(item)
    patch_items, server_only = _partition(merged, patch, merge_key)
    return _normalize_order(patch_items, server_only, patch, original, merge_key)


def _special_elements(
    original: list[Any], patch: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """Handle `$patch: delete|replace` elements (`mergeSliceWithSpecialElements`)."""
    plain: list[Any] = []
    replace = False
    for item in patch:
        if not isinstance(item, dict) or DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE]
        if directive == DELETE:
            if merge_key not in item:
                raise _bad_request(f"map: {item} does not contain declared merge key: {merge_key}")
            wanted = item[merge_key]
            original = [
                v for v in original if not (isinstance(v, dict) and v.get(merge_key) == wanted)
            ]
        elif directive == REPLACE:
            replace = True
        elif directive == MERGE:
            raise _bad_request("merging lists cannot yet be specified in the patch")
        else:
            raise _bad_request(f"Unknown patch type: {directive} in map: {item}")
    if replace:
        return plain, []
    return original, plain


def _partition(
    merged: list[Any], keys_from: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    present: list[Any] = []
    server_only: list[Any] = []
    for item in merged:
        (present if _index(keys_from, item, merge_key) >= 0 else server_only).append(item)
    return present, server_only


def _normalize_order(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
) -> list[Any]:
    """Sort each part by its own order, then interleave them (`normalizeElementOrder`)."""
    patch_items = _sorted_by(patch_items, patch_order, merge_key)
    server_only = _sorted_by(server_only, server_order, merge_key)
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patch_items):
        if i >= len(server_only):
            out.append(patch_items[j])
            j += 1
        elif j >= len(patch_items):
            out.append(server_only[i])
            i += 1
        else:
            li = _index(server_order, server_only[i], merge_key)
            ri = _index(server_order, patch_items[j], merge_key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patch_items[j])
                j += 1
    return out


def _sorted_by(items: list[Any], order: list[Any], merge_key: str) -> list[Any]:
    def position(item: Any) -> int:
        index = _index(order, item, merge_key)
        return index if index >= 0 else len(order)

    return sorted(items, key=position)


def _strip_directives(value: Any) -> Any:
    """Remove directive keys and `$patch` elements that had nothing to act on."""
    if isinstance(value, dict):
        return {
            k: _strip_directives(v)
            for k, v in value.items()
            if not (k.startswith("$") and (k in (DIRECTIVE, RETAIN_KEYS) or "/" in k))
        }
    if isinstance(value, list):
        return [_strip_directives(v) for v in value if not (isinstance(v, dict) and DIRECTIVE in v)]
    return value
