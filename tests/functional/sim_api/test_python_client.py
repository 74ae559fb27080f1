"""The official Python client against `kubelab sim serve`: CRUD, watch, typed models."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

if TYPE_CHECKING:
    from tests.conftest import SimServer


@pytest.fixture(scope="module")
def api_client(sim: SimServer) -> Iterator[client.ApiClient]:
    cfg = client.Configuration()
    config.load_kube_config(config_file=str(sim.kubeconfig), client_configuration=cfg)
    with client.ApiClient(cfg) as api:
        yield api


@pytest.fixture(scope="module")
def namespace(api_client: client.ApiClient) -> Iterator[str]:
    core = client.CoreV1Api(api_client)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="pyclient")))
    yield "pyclient"
    core.delete_namespace("pyclient")


def test_configmap_lifecycle(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    body = client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="lifecycle", labels={"app": "x"}), data={"a": "1"}
    )
    created = core.create_namespaced_config_map(namespace, body)
    assert isinstance(created, client.V1ConfigMap)
    assert created.metadata.uid and created.metadata.creation_timestamp is not None
    patched = core.patch_namespaced_config_map("lifecycle", namespace, {"data": {"b": "2"}})
    assert patched.data == {"a": "1", "b": "2"}
    listed = core.list_namespaced_config_map(namespace, label_selector="app=x")
    assert [c.metadata.name for c in listed.items] == ["lifecycle"]
    replaced = core.replace_namespaced_config_map(
        "lifecycle", namespace, client.V1ConfigMap(metadata=patched.metadata, data={"c": "3"})
    )
    assert replaced.data == {"c": "3"}
    with pytest.raises(ApiException) as conflict:
        core.replace_namespaced_config_map(
            "lifecycle", namespace, client.V1ConfigMap(metadata=patched.metadata, data={})
        )
    assert conflict.value.status == 409
    status = core.delete_namespaced_config_map("lifecycle", namespace)
    assert status["kind"] == "Status" and status["status"] == "Success"
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("lifecycle", namespace)
    assert missing.value.status == 404


def test_secret_and_service_account(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    secret = core.create_namespaced_secret(
        namespace,
        client.V1Secret(metadata=client.V1ObjectMeta(name="s"), string_data={"pw": "hunter2"}),
    )
    assert secret.type == "Opaque" and secret.data == {"pw": "aHVudGVyMg=="}
    sa = core.create_namespaced_service_account(
        namespace, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="robot"))
    )
    assert sa.metadata.name == "robot"
    deleted = core.delete_namespaced_service_account("robot", namespace)
    assert isinstance(deleted, client.V1ServiceAccount) and deleted.metadata.name == "robot"


def test_watch_stream(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(
        namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w0"))
    )

    def later() -> None:
        time.sleep(0.5)
        core.create_namespaced_config_map(
            namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1"))
        )
        core.delete_namespaced_config_map("w1", namespace)

    thread = threading.Thread(target=later)
    thread.start()
    seen: list[tuple[str, str]] = []
    w = watch.Watch()
    for event in w.stream(core.list_namespaced_config_map, namespace, timeout_seconds=10):
        obj = event["object"]
        assert isinstance(obj, client.V1ConfigMap)
        if obj.metadata.name == "kube-root-ca.crt":  # every namespace has it
            continue
        seen.append((event["type"], obj.metadata.name))
        if len(seen) == 3:
            w.stop()
    thread.join(timeout=10)
    assert seen == [("ADDED", "w0"), ("ADDED", "w1"), ("DELETED", "w1")]


def test_events_both_groups(api_client: client.ApiClient, namespace: str) -> None:
    core = client.CoreV1Api(api_client)
    core.create_namespaced_event(
        namespace,
        client.CoreV1Event(
            metadata=client.V1ObjectMeta(name="ev1"),
            involved_object=client.V1ObjectReference(kind="Pod", name="p", namespace=namespace),
            reason="Test",
            message="hello",
            type="Normal",
        ),
    )
    events = client.EventsV1Api(api_client).list_namespaced_event(namespace)
    [ev] = events.items
    assert ev.note == "hello" and ev.regarding.name == "p"


LISTS: list[tuple[str, str]] = [
    ("CoreV1Api", "list_namespace"),
    ("CoreV1Api", "list_node"),
    ("CoreV1Api", "list_pod_for_all_namespaces"),
    ("CoreV1Api", "list_service_for_all_namespaces"),
    ("CoreV1Api", "list_endpoints_for_all_namespaces"),
    ("CoreV1Api", "list_config_map_for_all_namespaces"),
    ("CoreV1Api", "list_secret_for_all_namespaces"),
    ("CoreV1Api", "list_service_account_for_all_namespaces"),
    ("CoreV1Api", "list_event_for_all_namespaces"),
    ("CoreV1Api", "list_replication_controller_for_all_namespaces"),
    ("AppsV1Api", "list_deployment_for_all_namespaces"),
    ("AppsV1Api", "list_replica_set_for_all_namespaces"),
    ("AppsV1Api", "list_daemon_set_for_all_namespaces"),
    ("AppsV1Api", "list_stateful_set_for_all_namespaces"),
    ("DiscoveryV1Api", "list_endpoint_slice_for_all_namespaces"),
    ("EventsV1Api", "list_event_for_all_namespaces"),
    ("CoordinationV1Api", "list_lease_for_all_namespaces"),
    ("NetworkingV1Api", "list_service_cidr"),
]
API_GROUPS = {
    "CoreV1Api": "",
    "AppsV1Api": "apps",
    "DiscoveryV1Api": "discovery.k8s.io",
    "EventsV1Api": "events.k8s.io",
    "CoordinationV1Api": "coordination.k8s.io",
    "NetworkingV1Api": "networking.k8s.io",
}


def test_lists_cover_every_stored_type() -> None:
    import re

    from kubelab.sim.registry import load_registry

    covered = {
        (API_GROUPS[api], method.removeprefix("list_").removesuffix("_for_all_namespaces"))
        for api, method in LISTS
    }
    served = {
        (rt.group, re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", rt.kind).lower())
        for rt in load_registry().types
        if not rt.ephemeral
    }
    assert served <= covered


@pytest.mark.parametrize(("api_name", "method"), LISTS)
def test_every_served_list_deserializes(
    api_client: client.ApiClient, api_name: str, method: str
) -> None:
    api: Any = getattr(client, api_name)(api_client)
    call: Callable[..., Any] = getattr(api, method)
    result = call()
    assert result.metadata.resource_version
    for item in result.items:
        assert item.metadata.name
        # Round-trip each item through the typed model: every required field is present.
        api_client.sanitize_for_serialization(item)


def test_exec_and_log_through_kubernetes_stream(
    api_client: client.ApiClient, namespace: str
) -> None:
    from kubernetes.stream import stream

    core = client.CoreV1Api(api_client)
    core.create_namespaced_pod(
        namespace,
        client.V1Pod(
            metadata=client.V1ObjectMeta(name="shell"),
            spec=client.V1PodSpec(
                containers=[
                    client.V1Container(name="c", image="busybox:1.37", command=["sleep", "3600"])
                ]
            ),
        ),
    )
    deadline = time.monotonic() + 10
    while core.read_namespaced_pod("shell", namespace).status.phase != "Running":
        assert time.monotonic() < deadline, "pod never ran"
        time.sleep(0.1)
    resp = stream(
        core.connect_get_namespaced_pod_exec,
        "shell",
        namespace,
        command=["sh", "-c", "echo hi; exit 3"],
        stderr=True,
        stdout=True,
        stdin=False,
        tty=False,
        _preload_content=False,
    )
    resp.run_forever(timeout=10)
    assert resp.read_stdout() == "hi\n"
    assert resp.returncode == 3
    hostname = stream(
        core.connect_get_namespaced_pod_exec,
        "shell",
        namespace,
        command=["hostname"],
        stderr=True,
        stdout=True,
    )
    assert hostname == "shell\n"
    assert isinstance(core.read_namespaced_pod_log("shell", namespace), str)
