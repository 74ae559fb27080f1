"""Port-forward and proxy requests a client gets wrong: each answer is a Status (or a clean
protocol error inside the WebSocket), the server keeps serving, nothing is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from kubelab.sim.dataplane import spdy
from kubelab.sim.registry import load_registry
from kubelab.sim.serve import ensure_base_namespaces
from kubelab.sim.server.app import make_app
from kubelab.sim.store import Store

TOKEN = "t"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PODS = "/api/v1/namespaces/default/pods"


@pytest.fixture
async def client() -> AsyncIterator[TestClient[Any, Any]]:
    store = Store(load_registry())
    ensure_base_namespaces(store)
    pods = store.registry.by_key("/pods")
    pod = {
        "metadata": {"name": "web"},
        "spec": {"containers": [{"name": "web", "image": "nginx"}]},
    }
    created = store.create(pods, pod, namespace="default")
    created["status"] = {"phase": "Running", "podIP": "10.244.1.9"}
    store.update(pods, created, namespace="default", subresource="status")
    test_client: TestClient[Any, Any] = TestClient(
        TestServer(make_app(store, TOKEN), host="127.0.0.1")
    )
    await test_client.start_server()
    try:
        yield test_client
    finally:
        await test_client.close()
        store.close()


async def _status(resp: aiohttp.ClientResponse) -> tuple[int, str, str]:
    body = await resp.json()
    assert body["kind"] == "Status"
    return resp.status, body["reason"], body["message"]


async def test_portforward_needs_a_websocket_and_a_known_protocol(
    client: TestClient[Any, Any],
) -> None:
    resp = await client.get(f"{PODS}/web/portforward", headers=AUTH)
    assert (await _status(resp))[:2] == (400, "BadRequest")
    resp = await client.get(f"{PODS}/nope/portforward", headers=AUTH)
    assert (await _status(resp))[:2] == (404, "NotFound")
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.ws_connect(f"{PODS}/web/portforward", headers=AUTH, protocols=("x.k8s.io",))
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await client.ws_connect(
            f"{PODS}/web/portforward?ports=http",
            headers=AUTH,
            protocols=("v4.channel.k8s.io",),
        )


async def test_garbage_in_the_spdy_tunnel_ends_it_cleanly(client: TestClient[Any, Any]) -> None:
    ws = await client.ws_connect(
        f"{PODS}/web/portforward", headers=AUTH, protocols=("SPDY/3.1+portforward.k8s.io",)
    )
    await ws.send_bytes(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01")  # SPDY/2 PING
    msg = await ws.receive(timeout=5)
    assert msg.type == aiohttp.WSMsgType.BINARY
    [frame] = spdy.Codec().feed(msg.data)
    assert frame.kind == spdy.GOAWAY
    assert (await ws.receive(timeout=5)).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    resp = await client.get("/livez")
    assert resp.status == 200


async def test_proxy_ids_and_targets_that_cannot_work(client: TestClient[Any, Any]) -> None:
    resp = await client.get(f"{PODS}/a:b:c:d/proxy/", headers=AUTH)
    assert await _status(resp) == (400, "BadRequest", 'invalid pod request "a:b:c:d"')
    resp = await client.get(f"{PODS}/ftp:web:21/proxy/", headers=AUTH)
    assert await _status(resp) == (400, "BadRequest", 'invalid pod request "ftp:web:21"')
    resp = await client.get(f"{PODS}/web:8080/proxy/x", headers=AUTH)
    assert await _status(resp) == (
        503,
        "ServiceUnavailable",
        "error trying to reach service: dial tcp 10.244.1.9:8080: connect: connection refused",
    )
    resp = await client.get("/api/v1/namespaces/default/services/none/proxy/", headers=AUTH)
    assert (await _status(resp))[:2] == (404, "NotFound")


async def test_proxy_without_a_trailing_slash_is_redirected(client: TestClient[Any, Any]) -> None:
    resp = await client.get(f"{PODS}/web/proxy?x=1", headers=AUTH, allow_redirects=False)
    assert resp.status == 301
    assert resp.headers["Location"] == f"{PODS}/web/proxy/?x=1"
