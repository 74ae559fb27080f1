"""Request bodies: JSON, YAML, Kubernetes protobuf; patches; field validation (via `wire`).

The `kubelab.sim.wire` functions are imported lazily, at the first request that needs them.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable
from functools import cache
from typing import Any

from kubelab.sim import errors
from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType

MAX_BODY = 3 * 1024 * 1024
PROTOBUF = "application/vnd.kubernetes.protobuf"
BODY_TYPES = ["application/json", "application/yaml", PROTOBUF]
PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
]


@cache
def wire(name: str) -> Any:
    """The function `name` of the `kubelab.sim.wire` modules, or None if none defines it."""
    try:
        package = importlib.import_module("kubelab.sim.wire")
    except ImportError:
        return None
    found = getattr(package, name, None)
    if found is not None:
        return found
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "openapi":
            continue
        module = importlib.import_module(f"kubelab.sim.wire.{info.name}")
        found = getattr(module, name, None)
        if callable(found):
            return found
    return None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _cannot_handle(rt: ResourceType, detail: str) -> ApiError:
    return errors.bad_request(
        f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {detail}'
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON number {name}")


def parse_json(raw: bytes, what: str = "") -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError as e:
        raise errors.bad_request(f"{what}invalid UTF-8 in request body: {e}") from None
    except (ValueError, RecursionError) as e:  # JSONDecodeError is a ValueError
        raise errors.bad_request(f"{what}json parse error: {e}") from None


@cache
def _yaml_loader() -> Any:
    import yaml  # only YAML bodies need it: keep it out of start-up

    class Loader(yaml.SafeLoader):
        """SafeLoader without timestamps: Kubernetes reads YAML as JSON (sigs.k8s.io/yaml)."""

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def _json_shaped(value: Any, depth: int = 0) -> bool:
    if depth > 200:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_shaped(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_shaped(v, depth + 1) for v in value)
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return value is None or isinstance(value, str | int | bool)


ALIAS_RATIO_LOW, ALIAS_RATIO_HIGH = 400_000, 4_000_000  # go-yaml's alias_ratio_range


def _allowed_alias_ratio(decoded: int) -> float:
    """go-yaml's `allowedAliasRatio`: 99% of a small document may come from aliases, 10% of a
    very large one."""
    if decoded <= ALIAS_RATIO_LOW:
        return 0.99
    if decoded >= ALIAS_RATIO_HIGH:
        return 0.10
    return 0.99 - 0.89 * (decoded - ALIAS_RATIO_LOW) / (ALIAS_RATIO_HIGH - ALIAS_RATIO_LOW)


def _excessive_aliasing(root: Any) -> bool:
    """Whether the composed YAML graph expands (through its aliases, which share nodes) far
    beyond its own size, as go-yaml refuses it. Sizes are computed once per shared node, so the
    check costs the graph's size, never the expansion's. A node containing itself is refused."""
    sizes: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: its subtree is being sized, 2: sized
    unique = 0
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            state[key] = 2
            if sizes[key] > ALIAS_RATIO_HIGH * 10:
                return True
            continue
        seen = state.get(key)
        if seen == 2:
            continue
        if seen == 1:
            return True  # reached from its own subtree: a recursive alias
        state[key] = 1
        unique += 1
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if state.get(id(c)) != 2)
    decoded = sizes[id(root)]
    aliased = decoded - unique
    return aliased > 100 and decoded > 1000 and aliased / decoded > _allowed_alias_ratio(decoded)


def _children(node: Any) -> list[Any]:
    value = getattr(node, "value", None)
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out.extend(item if isinstance(item, tuple) else (item,))
        return out
    return []


def parse_yaml(raw: bytes, what: str = "") -> Any:
    import yaml

    try:
        loader = _yaml_loader()(raw.decode("utf-8"))
        try:
            node = loader.get_single_node()
            if node is not None and _excessive_aliasing(node):
                raise errors.bad_request(f"{what}yaml: document contains excessive aliasing")
            value = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except UnicodeDecodeError as e:
        raise errors.bad_request(f"{what}invalid UTF-8 in request body: {e}") from None
    except (yaml.YAMLError, RecursionError) as e:
        raise errors.bad_request(f"{what}yaml: {e}") from None
    if not _json_shaped(value):
        raise errors.bad_request(f"{what}yaml: the document is not representable as JSON")
    return value


def decode_object(rt: ResourceType, raw: bytes, content_type: str | None) -> Obj:
    """The object a create/update body holds, in the form the JSON body would have."""
    mt = media_type(content_type)
    if not raw:
        raise errors.bad_request("the body of the request is empty")
    if mt in ("", "application/json", "*/*"):
        obj = _read_kind(rt, raw, parse_json)
    elif mt in ("application/yaml", "application/x-yaml", "text/yaml"):
        obj = _read_kind(rt, raw, parse_yaml)
    elif mt == PROTOBUF:
        decode = wire("decode_protobuf")
        if decode is None:
            raise errors.unsupported_media_type(BODY_TYPES[:2])
        try:
            obj = decode(raw)
        except ApiError:
            raise
        except Exception as e:  # malformed protobuf of any kind is the client's error
            raise _cannot_handle(rt, f"protobuf decoding error: {e}") from None
    else:
        raise errors.unsupported_media_type(BODY_TYPES)
    if not isinstance(obj, dict):
        raise unrecognized(
            rt,
            "couldn't get version/kind; json parse error: json: cannot unmarshal "
            f"{_go_type(obj)} into Go value of type struct {{ APIVersion string "
            '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }',
            raw,
        )
    check_kind(rt, obj)
    if "metadata" in obj and not isinstance(obj["metadata"], dict):
        raise _cannot_handle(
            rt,
            f"json: cannot unmarshal {_go_type(obj['metadata'])} into Go struct field "
            f"{rt.kind}.metadata of type v1.ObjectMeta",
        )
    return obj


def summarize_data(data: bytes, max_length: int = 30) -> str:
    """`summarizeData` (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go): a body
    that looks like a JSON object as text, anything else in hex, cut after `max_length` bytes."""
    if not data:
        return "<empty>"
    cut = data[:max_length]
    shown = cut.decode("utf-8", errors="replace") if data[:1] == b"{" else cut.hex()
    return shown + " ..." if len(data) > max_length else shown


def unrecognized(rt: ResourceType, detail: str, raw: bytes) -> ApiError:
    """`transformDecodeError` for a body whose apiVersion/kind could not be read at all."""
    return errors.bad_request(
        f"the object provided is unrecognized (must be of type {rt.kind}): {detail} "
        f"({summarize_data(raw)})"
    )


def _read_kind(rt: ResourceType, raw: bytes, parse: Callable[[bytes, str], Any]) -> Any:
    """The decoded body; one that does not parse is `unrecognized`, worded as Go's
    encoding/json words its syntax error (the first byte that cannot come next)."""
    try:
        return parse(raw, "couldn't get version/kind; ")
    except ApiError as e:
        if parse is parse_json:
            syntax = wire("go_syntax_error")
            found = syntax(raw) if syntax is not None else None
            if found:
                raise unrecognized(
                    rt, f"couldn't get version/kind; json parse error: {found}", raw
                ) from None
        raise unrecognized(rt, e.message, raw) from None


def _go_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return "object"


def check_kind(rt: ResourceType, obj: Obj) -> None:
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if api_version is not None and api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )
    if kind is not None and kind != rt.kind:
        raise errors.bad_request(
            f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
        )


def unknown_fields(rt: ResourceType, obj: Obj) -> list[str]:
    """Paths of fields the type's schema does not know (empty if no schema is available)."""
    check = wire("unknown_fields")
    if check is None:
        return []
    found: list[str] = check(obj, rt.group, rt.version, rt.kind)
    return found


def check_types(rt: ResourceType, obj: Obj) -> None:
    """400 for the first value of the wrong JSON type (`"replicas": "two"`), in the words of
    Go's JSON decoder, as kube-apiserver answers a body it cannot decode."""
    find = wire("type_errors")
    if find is None:
        return
    found: list[str] = find(obj, rt.group, rt.version, rt.kind)
    if found:
        raise _cannot_handle(rt, found[0])


def validate_fields(rt: ResourceType, obj: Obj, mode: str, warnings: list[str]) -> None:
    """`fieldValidation=Strict|Warn|Ignore` (default Warn) for the body `obj`: Strict rejects
    unknown fields (400), Warn drops them with a warning each, Ignore drops them silently."""
    if mode not in ("", "Strict", "Warn", "Ignore"):
        raise errors.bad_request(
            f"fieldValidation parameter unsupported: {mode}. Accepted values are Strict, Warn, "
            "Ignore"
        )
    check_types(rt, obj)
    if mode == "Strict":
        found = unknown_fields(rt, obj)
        if found:
            detail = ", ".join(f'unknown field "{p}"' for p in found)
            raise _cannot_handle(rt, f"strict decoding error: {detail}")
        return
    drop = wire("drop_unknown_fields")
    if drop is None:
        return
    dropped: list[str] = drop(obj, rt.group, rt.version, rt.kind)
    if mode != "Ignore":
        warnings.extend(f'unknown field "{p}"' for p in dropped)


def apply_patch(rt: ResourceType, current: Obj, raw: bytes, content_type: str | None) -> Obj:
    """`current` with the patch applied (everything but server-side apply)."""
    mt = media_type(content_type)
    if mt == "application/json-patch+json":
        fn = wire("json_patch")
        patch = parse_json(raw)
        if not isinstance(patch, list):
            raise errors.bad_request(
                "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
            )
        if fn is None:
            raise errors.unsupported_media_type(PATCH_TYPES)
        result: Obj = fn(current, patch)
    elif mt == "application/merge-patch+json":
        fn = wire("json_merge_patch")
        patch = parse_json(raw)
        if not isinstance(patch, dict):
            raise errors.bad_request("json: cannot unmarshal non-object into a merge patch")
        if fn is None:
            raise errors.unsupported_media_type(PATCH_TYPES)
        result = fn(current, patch)
    elif mt == "application/strategic-merge-patch+json":
        fn = wire("strategic_merge_patch")
        patch = parse_json(raw)
        if not isinstance(patch, dict):
            raise errors.bad_request(
                "json: cannot unmarshal non-object into a strategic merge patch"
            )
        if fn is None:
            raise errors.unsupported_media_type(PATCH_TYPES)
        result = fn(current, patch, rt.group, rt.version, rt.kind)
    else:
        raise errors.unsupported_media_type(PATCH_TYPES)
    if not isinstance(result, dict):
        raise errors.bad_request("the patch did not produce an object")
    if _encoded_size(result) > MAX_BODY:
        raise errors.too_large()  # the object may not grow past what a request could carry
    return result


def _encoded_size(obj: Obj) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def check_converts(rt: ResourceType, patched: Obj, raw: bytes, content_type: str | None) -> None:
    """A strategic merge patch whose result has a value of the wrong type is a 422 in
    kube-apiserver's words (handlers/patch.go `applyPatchToObject`): `patch: Invalid value:
    "<the patch, as Go's %+v prints it>": <the unstructured converter's error>`."""
    if media_type(content_type) != "application/strategic-merge-patch+json":
        return
    find = wire("conversion_error")
    show = wire("patch_value_text")
    if find is None or show is None:
        return
    problem = find(patched, rt.group, rt.version, rt.kind)
    if problem:
        shown = show(parse_json(raw))
        raise errors.invalid("", "", [errors.invalid_value("patch", shown, problem)])
