"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as kube-apiserver applies them.

CORE calls `json_merge_patch(live, patch)` for `application/merge-patch+json` and
`json_patch(live, operations)` for `application/json-patch+json`; both return a new object and
raise `ApiError` (400 for a malformed patch, 422 for an operation that does not apply, as
`k8s.io/apiserver/pkg/endpoints/handlers/patch.go` answers).

Bounded as kube-apiserver bounds them: a JSON patch of more than `MAX_OPERATIONS` operations is
413 RequestEntityTooLarge (patch.go's `maxJSONPatchOperations`), and the values its `copy`
operations copy may add up to `MAX_COPY_BYTES` of JSON (the server's `JSONPatchMaxCopyBytes`,
3 MiB, set as json-patch's `AccumulatedCopySizeLimit`): past it the patch is 422 with
json-patch's message. So 22 copies of `/x` into itself stop at 3 MiB instead of doubling into
millions of nodes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.wire._limits import nesting_guard

MAX_OPERATIONS = 10000
MAX_COPY_BYTES = 3 * 1024 * 1024


@nesting_guard
def json_merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, `null` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    target: Obj = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = json_merge_patch(target.get(key), value)
    return target


def _too_many_operations(count: int) -> ApiError:
    return ApiError(
        413,
        "RequestEntityTooLarge",
        f"Request entity too large: The allowed maximum operations in a JSON patch is "
        f"{MAX_OPERATIONS}, got {count}",
    )


def _clone(value: Any) -> Any:
    """A deep copy of a JSON value, made by the C JSON codec (copy.deepcopy takes seconds for
    the millions of nodes a hostile patch can carry)."""
    return json.loads(json.dumps(value))


def _encoded(value: Any) -> str:
    """`value` as Go's encoding/json writes it (json-patch counts its bytes)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        raise _bad_request(f"invalid JSON pointer: {path!r}")
    if path == "":
        return []
    if not path.startswith("/"):
        raise _bad_request(f'JSON pointer must be empty or start with a "/": {path}')
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(token: str, size: int, path: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise _unprocessable(f"invalid array index {token!r} in path {path!r}")
    index = int(token)
    if index > size or (index == size and not allow_end):
        raise _unprocessable(f"array index out of bounds: {index} in path {path!r}")
    return index


def _parent(doc: Any, tokens: list[str], path: str, op: str) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise _unprocessable(
                    f'{op} operation does not apply: doc is missing path: "{path}": missing value'
                )
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), path, False)]
        else:
            raise _unprocessable(
                f'{op} operation does not apply: doc is missing path: "{path}": missing value'
            )
    return node


def _get(doc: Any, path: str, op: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable(f"{op} operation does not apply: doc is missing key: {path}")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(last, len(parent), path, False)]
    raise _unprocessable(f"{op} operation does not apply: doc is missing key: {path}")


def _add(doc: Any, path: str, value: Any, op: str = "add") -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), path, True), value)
    else:
        raise _unprocessable(
            f'{op} operation does not apply: doc is missing path: "{path}": missing value'
        )
    return doc


def _remove(doc: Any, path: str, op: str = "remove") -> tuple[Any, Any]:
    tokens = _pointer(path)
    if not tokens:
        raise _unprocessable(f"{op} operation does not apply: cannot remove the whole document")
    parent = _parent(doc, tokens, path, op)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _unprocessable(f"unable to remove nonexistent key: {last}: missing value")
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(last, len(parent), path, False))
    raise _unprocessable(f"unable to remove nonexistent key: {last}: missing value")


@nesting_guard
def json_patch(original: Any, operations: Any) -> Any:
    """RFC 6902 `add`, `remove`, `replace`, `move`, `copy` and `test`, applied in order."""
    if not isinstance(operations, list):
        raise _bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    if len(operations) > MAX_OPERATIONS:
        raise _too_many_operations(len(operations))
    doc = _clone(original)
    copied = 0
    for operation in operations:
        if not isinstance(operation, dict):
            raise _bad_request("json: cannot unmarshal into Go value of type jsonpatch.Operation")
        op = operation.get("op")
        path = operation.get("path")
        if not isinstance(path, str):
            raise _bad_request(f"{op} operation missing path")
        if op in ("add", "replace", "test") and "value" not in operation:
            raise _bad_request(f"{op} operation missing value")
        if op == "add":
            doc = _add(doc, path, _clone(operation["value"]))
        elif op == "remove":
            doc, _ = _remove(doc, path)
        elif op == "replace":
            _get(doc, path, "replace")
            tokens = _pointer(path)
            if not tokens:
                doc = _clone(operation["value"])
            else:
                parent = _parent(doc, tokens, path, "replace")
                if isinstance(parent, list):
                    parent[_index(tokens[-1], len(parent), path, False)] = _clone(
                        operation["value"]
                    )
                else:
                    parent[tokens[-1]] = _clone(operation["value"])
        elif op in ("move", "copy"):
            source = operation.get("from")
            if not isinstance(source, str):
                raise _bad_request(f"{op} operation missing from")
            if op == "move":
                if path.startswith(f"{source}/"):
                    raise _unprocessable(f"move operation does not apply: {source} into itself")
                doc, value = _remove(doc, source, "move")
            else:
                encoded = _encoded(_get(doc, source, "copy"))
                copied += len(encoded.encode())
                if copied > MAX_COPY_BYTES:
                    raise _unprocessable(
                        "Unable to complete the copy, the accumulated size increase of copy is "
                        f"{copied}, exceeding the limit {MAX_COPY_BYTES}"
                    )
                value = json.loads(encoded)  # the copy, made in C (deepcopy takes seconds)
            doc = _add(doc, path, value, op)
        elif op == "test":
            if _get(doc, path, "test") != operation["value"]:
                raise _unprocessable(f"testing value {path} failed: test failed")
        else:
            raise _bad_request(f"Unexpected kind: {op}")
    return doc
