"""KubeClient against the real simulator: CRUD, server-side apply, selectors, watch, errors."""

from __future__ import annotations

import threading
import uuid

import pytest

from kubelab.cluster.base import ClusterError
from kubelab.cluster.client import ApiRejected, KubeClient


@pytest.fixture
def client(sim) -> KubeClient:
    namespace = f"client-{uuid.uuid4().hex[:8]}"
    with KubeClient(sim.kubeconfig, None, namespace) as setup:
        setup.ensure_namespace(namespace, {"test": "client"})
    return KubeClient(sim.kubeconfig, None, namespace)


def configmap(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    }


def test_apply_get_list_delete(client: KubeClient) -> None:
    applied = client.apply(configmap("one", app="x"))
    assert applied["metadata"]["namespace"] == client.namespace
    assert applied["metadata"]["uid"]
    client.apply({**configmap("one", app="x"), "data": {"k": "changed"}})
    assert client.get("v1", "ConfigMap", "one")["data"] == {"k": "changed"}
    client.create(configmap("two", app="y"))
    names = {
        o["metadata"]["name"] for o in client.list("v1", "ConfigMap", label_selector={"app": "x"})
    }
    assert names == {"one"}
    assert client.list("v1", "ConfigMap", label_selector="app in (x,y)")[0]["kind"] == "ConfigMap"
    assert client.delete("v1", "ConfigMap", "one") is True
    assert client.get("v1", "ConfigMap", "one") is None
    assert client.delete("v1", "ConfigMap", "one") is False


def test_create_existing_is_rejected_with_the_servers_message(client: KubeClient) -> None:
    client.create(configmap("dup"))
    with pytest.raises(ApiRejected) as info:
        client.create(configmap("dup"))
    assert info.value.status_code == 409
    assert info.value.reason == "AlreadyExists"
    assert info.value.message == 'configmaps "dup" already exists'


def test_namespaces_are_cluster_scoped(client: KubeClient) -> None:
    namespace = client.get("v1", "Namespace", client.namespace)
    assert namespace is not None
    assert namespace["metadata"]["labels"]["test"] == "client"


def test_watch_sees_changes(client: KubeClient) -> None:
    client.create(configmap("watched"))
    listed = client._json("GET", f"/api/v1/namespaces/{client.namespace}/configmaps")
    version = listed["metadata"]["resourceVersion"]

    def change() -> None:
        with KubeClient(client.kubeconfig, None, client.namespace) as other:
            other.apply({**configmap("watched"), "data": {"k": "new"}})

    timer = threading.Timer(0.2, change)
    timer.start()
    try:
        for event in client.watch("v1", "ConfigMap", resource_version=version, timeout_seconds=5):
            if event["type"] == "MODIFIED" and event["object"]["metadata"]["name"] == "watched":
                assert event["object"]["data"] == {"k": "new"}
                break
        else:
            pytest.fail("no MODIFIED event within the watch's 5 s")
    finally:
        timer.join(timeout=5)


def test_version(client: KubeClient) -> None:
    assert client.version()["gitVersion"].startswith("v1.")


def test_a_name_is_one_url_segment(sim, client: KubeClient) -> None:
    """`../../other/configmaps/victim` as a name must not read or delete `victim` elsewhere."""
    other = f"other-{uuid.uuid4().hex[:8]}"
    with KubeClient(sim.kubeconfig, None, other) as owner:
        owner.ensure_namespace(other, {"test": "client"})
        owner.create(configmap("victim"))
        sneaky = f"../../{other}/configmaps/victim"
        assert client.get("v1", "ConfigMap", sneaky) is None
        client.delete("v1", "ConfigMap", sneaky)
        assert owner.get("v1", "ConfigMap", "victim") is not None
        with pytest.raises(ClusterError, match="not a valid object or namespace name"):
            client.get("v1", "ConfigMap", "victim", namespace="..")
        owner.delete_namespace(other)


def test_many_concurrent_requests_keep_their_connections(
    client: KubeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A step's checks, the engine's watches and execs share one client: its pool is big enough
    that urllib3 never warns "Connection pool is full, discarding connection" (on a 1-2 core
    machine the kubernetes client's default is only 5-10 connections)."""
    from concurrent.futures import ThreadPoolExecutor

    client.apply(configmap("many"))
    barrier = threading.Barrier(24)

    def one(_: int) -> bool:
        barrier.wait(timeout=20)
        return client.get("v1", "ConfigMap", "many") is not None

    with (
        caplog.at_level("WARNING", logger="urllib3.connectionpool"),
        ThreadPoolExecutor(max_workers=24) as pool,
    ):
        assert all(pool.map(one, range(24)))
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
