"""Malformed input never crashes the wire functions: they answer with an ApiError or a value."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.sim.errors import ApiError
from kubelab.sim.wire.apply import server_side_apply
from kubelab.sim.wire.fields import type_errors, unknown_fields
from kubelab.sim.wire.jsonpatch import json_merge_patch, json_patch
from kubelab.sim.wire.managed_fields import record_managed_fields
from kubelab.sim.wire.protobuf import MAGIC, decode_protobuf
from kubelab.sim.wire.strategic import strategic_merge_patch

KEYS = st.sampled_from(
    [
        "spec",
        "metadata",
        "ports",
        "port",
        "protocol",
        "containers",
        "name",
        "labels",
        "selector",
        "$patch",
        "$retainKeys",
        "$setElementOrder/ports",
        "replace",
        "delete",
        "$deleteFromPrimitiveList/finalizers",
        "finalizers",
        "template",
        "strategy",
        "x",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 70000),
    st.text(max_size=5),
    st.floats(allow_nan=False),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)
OBJECTS = st.dictionaries(KEYS, JSON, max_size=5)
KINDS = st.sampled_from(
    [("", "v1", "Service"), ("apps", "v1", "Deployment"), ("", "v1", "Pod"), ("", "v1", "Secret")]
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _survives(fn: Any, *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except ApiError as err:
        assert 400 <= err.code < 500


@FAST
@given(OBJECTS, OBJECTS, KINDS)
def test_patches_never_crash(original: Any, patch: Any, gvk: tuple[str, str, str]) -> None:
    _survives(strategic_merge_patch, original, patch, *gvk)
    _survives(json_merge_patch, original, patch)
    _survives(json_patch, original, [patch])


@FAST
@given(OBJECTS, KINDS)
def test_validation_never_crashes(obj: Any, gvk: tuple[str, str, str]) -> None:
    unknown_fields(obj, *gvk)
    type_errors(obj, *gvk)


@FAST
@given(st.one_of(st.none(), OBJECTS), OBJECTS, KINDS, st.booleans())
def test_apply_never_crashes(
    live: Any, applied: Any, gvk: tuple[str, str, str], force: bool
) -> None:
    group, version, kind = gvk
    applied = {**applied, "apiVersion": f"{group}/{version}" if group else version, "kind": kind}
    _survives(server_side_apply, live, applied, "fuzz", force, *gvk)
    _survives(record_managed_fields, applied, live, "fuzz", group=group, version=version, kind=kind)


@FAST
@given(st.binary(max_size=200))
def test_protobuf_never_crashes(body: bytes) -> None:
    _survives(decode_protobuf, body)
    _survives(decode_protobuf, MAGIC + body)


def _deep(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {}
    for _ in range(depth):
        node = {"x": node}
    return node


def test_absurd_nesting_is_a_bad_request() -> None:
    deep = _deep(5000)
    svc = {"apiVersion": "v1", "kind": "Service", "spec": {"selector": deep}}
    for call in (
        lambda: strategic_merge_patch(
            {"spec": {"selector": _deep(5000)}}, svc, "", "v1", "Service"
        ),
        lambda: json_merge_patch(deep, deep),
        lambda: type_errors(svc, "", "v1", "Service"),
        lambda: server_side_apply(None, svc, "m", False, "", "v1", "Service"),
        lambda: record_managed_fields(svc, None, "m", group="", version="v1", kind="Service"),
    ):
        try:
            call()
        except ApiError as err:
            assert err.code == 400
