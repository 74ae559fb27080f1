"""In-process API server fixtures: the real aiohttp app over a fresh store, no subprocess."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from kubelab.sim.kinds.configmaps import CONFIGMAP
from kubelab.sim.kinds.events import EVENT, EVENT_V1
from kubelab.sim.kinds.namespaces import NAMESPACE
from kubelab.sim.kinds.secrets import SECRET
from kubelab.sim.kinds.serviceaccounts import SERVICE_ACCOUNT
from kubelab.sim.registry import ResourceType, build_registry
from kubelab.sim.serve import ensure_base_namespaces
from kubelab.sim.server.app import make_app
from kubelab.sim.store import Store

TOKEN = "test-token"

# A scalable type with a status subresource, a deprecation warning and an extra field selector.
WIDGET = ResourceType(
    group="example.dev",
    version="v1",
    kind="Widget",
    plural="widgets",
    singular="widget",
    namespaced=True,
    short_names=("wd",),
    categories=("all",),
    subresources=("status", "scale"),
    warning="example.dev/v1 Widget is deprecated",
    field_selectors=("spec.color",),
)


@dataclass
class Api:
    client: TestClient[Any, Any]
    store: Store

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | None = None,
    ) -> tuple[int, Any, Any]:
        hdrs = dict(self.auth)
        hdrs.update(headers or {})
        kwargs: dict[str, Any] = {"headers": hdrs}
        if data is not None:
            kwargs["data"] = data
        elif body is not None:
            kwargs["json"] = body
        resp = await self.client.request(method, path, **kwargs)
        raw = await resp.read()
        try:
            import json

            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")
        return resp.status, parsed, resp.headers


def make_store() -> Store:
    registry = build_registry(
        [NAMESPACE, CONFIGMAP, SECRET, SERVICE_ACCOUNT, EVENT, EVENT_V1, WIDGET]
    )
    store = Store(registry)
    ensure_base_namespaces(store)
    return store


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    store = make_store()
    client = TestClient(TestServer(make_app(store, TOKEN), host="127.0.0.1"))
    await client.start_server()
    try:
        yield Api(client, store)
    finally:
        store.stop_watches()
        await client.close()
        store.close()
