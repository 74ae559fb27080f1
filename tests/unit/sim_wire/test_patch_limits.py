"""Patch documents are bounded as kube-apiserver bounds them (k8s.io/apiserver
pkg/endpoints/handlers/patch.go and the server's JSONPatchMaxCopyBytes): at most 10,000 JSON
patch operations (413), at most 3 MiB copied by `copy` operations (422, json-patch's message),
and no patch grows an object past what one request may carry (413)."""

from __future__ import annotations

import json

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.registry import load_registry
from kubelab.sim.server.bodies import apply_patch
from kubelab.sim.wire.jsonpatch import MAX_COPY_BYTES, json_patch

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}


def test_more_than_10000_operations_is_413() -> None:
    ops = [{"op": "test", "path": "/kind", "value": "ConfigMap"}] * 10001
    with pytest.raises(ApiError) as caught:
        json_patch(CONFIGMAP, ops)
    assert caught.value.code == 413
    assert "maximum operations in a JSON patch is 10000, got 10001" in caught.value.message
    assert json_patch(CONFIGMAP, ops[:10000]) == CONFIGMAP


def test_copies_stop_at_the_accumulated_copy_limit() -> None:
    ops = [{"op": "add", "path": "/x", "value": ["a" * 16]}]
    ops += [{"op": "copy", "from": "/x", "path": "/x/-"} for _ in range(22)]
    with pytest.raises(ApiError) as caught:
        json_patch(CONFIGMAP, ops)
    assert caught.value.code == 422
    assert f"exceeding the limit {MAX_COPY_BYTES}" in caught.value.message


def test_copies_under_the_limit_apply() -> None:
    ops = [{"op": "add", "path": "/data/a", "value": "x" * 1000}]
    ops += [{"op": "copy", "from": "/data/a", "path": f"/data/b{i}"} for i in range(100)]
    assert len(json_patch(CONFIGMAP, ops)["data"]) == 101


@pytest.mark.parametrize(
    ("content_type", "patch"),
    [
        ("application/merge-patch+json", {"data": {"big": "x" * (3 << 20)}}),
        (
            "application/json-patch+json",
            [{"op": "add", "path": "/data/big", "value": "x" * (3 << 20)}],
        ),
    ],
)
def test_a_patch_growing_the_object_past_the_body_limit_is_413(
    content_type: str, patch: object
) -> None:
    rt = load_registry().by_key("/configmaps")
    big = {**CONFIGMAP, "data": {"old": "y" * (2 << 20)}}
    with pytest.raises(ApiError) as caught:
        apply_patch(rt, big, json.dumps(patch).encode(), content_type)
    assert caught.value.code == 413
