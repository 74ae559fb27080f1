"""Fuzzing the API server: malformed bodies, bad paths, wrong content types, huge payloads.

Every answer must be a `Status` (never a 500 or a stack trace), the server keeps serving, and a
rejected request leaves the state exactly as it was.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.sim.server.app import make_app
from kubelab.sim.store import Store

from .conftest import TOKEN, make_store


@dataclass
class Fuzzed:
    loop: asyncio.AbstractEventLoop
    client: TestClient[Any, Any]
    store: Store


@pytest.fixture(scope="module")
def fuzzed() -> Iterator[Fuzzed]:
    loop = asyncio.new_event_loop()
    store = make_store()
    store.create(
        store.registry.by_key("/configmaps"),
        {"metadata": {"name": "existing", "labels": {"a": "b"}}, "data": {"k": "v"}},
        namespace="default",
    )
    client: TestClient[Any, Any] = TestClient(
        TestServer(make_app(store, TOKEN), host="127.0.0.1"), loop=loop
    )
    loop.run_until_complete(client.start_server())
    try:
        yield Fuzzed(loop, client, store)
    finally:
        loop.run_until_complete(client.close())
        store.close()
        loop.close()


def snapshot(store: Store) -> tuple[int, Any, Any]:
    return store.resource_version, copy.deepcopy(dict(store.buckets())), store.runtime.snapshot()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)

SEGMENTS = st.sampled_from(
    [
        "api",
        "apis",
        "v1",
        "v2",
        "namespaces",
        "default",
        "kube-system",
        "configmaps",
        "secrets",
        "serviceaccounts",
        "events",
        "events.k8s.io",
        "example.dev",
        "widgets",
        "existing",
        "status",
        "scale",
        "log",
        "exec",
        "attach",
        "..",
        "%00",
        "x" * 300,
        "",
        "nope",
        "Bad_Name",
        "UPPER",
        "a.b",
        "%2F",
    ]
)

COLLECTIONS = [
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/namespaces/default/secrets",
    "/api/v1/namespaces",
    "/api/v1/namespaces/default/events",
    "/apis/events.k8s.io/v1/namespaces/default/events",
    "/apis/example.dev/v1/namespaces/default/widgets",
]

CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/yaml",
        "application/vnd.kubernetes.protobuf",
        "application/strategic-merge-patch+json",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/apply-patch+yaml",
        "text/plain",
        "application/x-garbage",
        "",
    ]
)

QUERIES = st.sampled_from(
    [
        "",
        "?watch=true&timeoutSeconds=1",
        "?labelSelector=a%20in%20(",
        "?fieldSelector=spec.nope%3D1",
        "?limit=-3",
        "?limit=abc",
        "?continue=%%%",
        "?fieldValidation=Bogus",
        "?fieldValidation=Strict",
        "?dryRun=Nope",
        "?propagationPolicy=Sideways",
        "?resourceVersion=notanumber&watch=1&timeoutSeconds=1",
        "?fieldManager=" + "m" * 200,
        "?gracePeriodSeconds=x",
        "?includeObject=Everything",
    ]
)


def mutated_object() -> st.SearchStrategy[Any]:
    base = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "fz", "labels": {"a": "b"}},
        "data": {"k": "v"},
    }
    paths = st.sampled_from(
        [
            ("metadata",),
            ("metadata", "name"),
            ("metadata", "labels"),
            ("data",),
            ("apiVersion",),
            ("kind",),
            ("metadata", "annotations"),
            ("binaryData",),
            ("metadata", "ownerReferences"),
            ("metadata", "finalizers"),
        ]
    )

    def mutate(path: tuple[str, ...], value: Any) -> Any:
        obj = copy.deepcopy(base)
        cur: Any = obj
        for key in path[:-1]:
            cur = cur[key]
        cur[path[-1]] = value
        return obj

    return st.builds(mutate, paths, JSON)


BODIES = st.one_of(
    st.binary(max_size=200),
    JSON.map(lambda v: json.dumps(v).encode()),
    mutated_object().map(lambda v: json.dumps(v).encode()),
    st.just(b"k8s\x00\x0a\x0f\x0a\x02v1\x12\x09ConfigMap\x12\xff\xff"),
    st.just(b"{" * 5000),
    st.just(b"- a\n- b: [\n"),
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, str, bytes]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
    if draw(st.booleans()):
        path = draw(st.sampled_from(COLLECTIONS))
        if draw(st.booleans()):
            path += "/" + draw(st.sampled_from(["existing", "fz", "default", "nope"]))
    else:
        segments = draw(st.lists(SEGMENTS, min_size=1, max_size=7))
        segments[0] = segments[0] or "api"  # "//x" would be an absolute URL, not a path
        path = "/" + "/".join(segments)
    return method, path + draw(QUERIES), draw(CONTENT_TYPES), draw(BODIES)


async def send(
    client: TestClient[Any, Any], method: str, path: str, ct: str, body: bytes
) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if ct:
        headers["Content-Type"] = ct
    resp = await client.request(method, path, data=body, headers=headers)
    data = await asyncio.wait_for(resp.read(), timeout=30)
    return resp.status, data


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(req=requests())
def test_fuzzed_requests_get_a_status(fuzzed: Fuzzed, req: tuple[str, str, str, bytes]) -> None:
    method, path, ct, body = req
    before = snapshot(fuzzed.store)
    status, raw = fuzzed.loop.run_until_complete(send(fuzzed.client, method, path, ct, body))
    assert status < 500, (status, raw[:500])
    if status >= 400:
        answer = json.loads(raw)
        assert answer["kind"] == "Status" and answer["code"] == status, answer
        assert snapshot(fuzzed.store) == before, f"{method} {path} changed state on {status}"
    # The server keeps serving.
    ok, _ = fuzzed.loop.run_until_complete(
        send(fuzzed.client, "GET", "/api/v1/namespaces/default", "", b"")
    )
    assert ok == 200


def test_huge_payload_is_413_and_state_unchanged(fuzzed: Fuzzed) -> None:
    before = snapshot(fuzzed.store)
    big = json.dumps(
        {"metadata": {"name": "huge"}, "data": {"k": "x" * (4 * 1024 * 1024)}}
    ).encode()
    status, raw = fuzzed.loop.run_until_complete(
        send(
            fuzzed.client, "POST", "/api/v1/namespaces/default/configmaps", "application/json", big
        )
    )
    assert status == 413
    assert json.loads(raw)["reason"] == "RequestEntityTooLarge"
    assert snapshot(fuzzed.store) == before
