"""KubeClient against a recording fake API server: paths, verbs, headers, errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kubelab.cluster.base import ClusterError, ClusterUnreachable
from kubelab.cluster.client import ApiRejected, KubeClient
from kubelab.cluster.pod_exec import exit_code


@pytest.fixture
def client(fake_api, tmp_path: Path) -> KubeClient:
    return KubeClient(fake_api.kubeconfig(tmp_path / "kc"), None, "lab")


SVC = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-nginx"}, "spec": {}}


def test_get_uses_lab_namespace_and_bearer_token(fake_api, client: KubeClient) -> None:
    fake_api.routes[("GET", "/api/v1/namespaces/lab/services/my-nginx")] = (200, SVC)
    assert client.get("v1", "Service", "my-nginx") == SVC
    call = fake_api.calls("GET")[-1]
    assert call.headers["authorization"] == "Bearer t0k"


def test_get_missing_is_none_and_cluster_scoped_has_no_namespace(fake_api, client) -> None:
    assert client.get("v1", "Namespace", "nope") is None
    assert fake_api.calls("GET")[-1].path == "/api/v1/namespaces/nope"
    assert client.get("apps/v1", "Deployment", "d", namespace="other") is None
    assert fake_api.calls("GET")[-1].path == "/apis/apps/v1/namespaces/other/deployments/d"


def test_list_selector_pagination_and_kind_filled_in(fake_api, client) -> None:
    fake_api.routes[("GET", "/api/v1/namespaces/lab/pods")] = [
        (200, {"items": [{"metadata": {"name": "a"}}], "metadata": {"continue": "tok"}}),
        (200, {"items": [{"metadata": {"name": "b"}}], "metadata": {}}),
    ]
    pods = client.list("v1", "Pod", label_selector={"run": "my-nginx", "tier": "web"})
    assert [p["metadata"]["name"] for p in pods] == ["a", "b"]
    assert pods[0]["kind"] == "Pod" and pods[0]["apiVersion"] == "v1"
    queries = [r.query for r in fake_api.calls("GET") if r.path.endswith("/pods")]
    assert len(queries) == 2
    assert "labelSelector=run%3Dmy-nginx%2Ctier%3Dweb" in queries[0]
    assert "continue" not in queries[0] and "continue=tok" in queries[1]


def test_list_cluster_scoped(fake_api, client) -> None:
    fake_api.routes[("GET", "/api/v1/nodes")] = (
        200,
        {"items": [{"metadata": {"name": "n1"}}], "metadata": {"continue": ""}},
    )
    nodes = client.list("v1", "Node")
    assert [n["metadata"]["name"] for n in nodes] == ["n1"]
    assert fake_api.calls("GET")[-1].path == "/api/v1/nodes"


def test_list_all_namespaces(fake_api, client) -> None:
    fake_api.routes[("GET", "/api/v1/services")] = (200, {"items": [], "metadata": {}})
    assert client.list("v1", "Service", all_namespaces=True) == []
    assert fake_api.calls("GET")[-1].path == "/api/v1/services"


def test_apply_is_server_side_apply_forced_as_kubelab(fake_api, client) -> None:
    path = "/api/v1/namespaces/lab/services/my-nginx"
    fake_api.routes[("PATCH", path)] = (200, {**SVC, "metadata": {"name": "my-nginx", "uid": "1"}})
    result = client.apply(SVC)
    assert result["metadata"]["uid"] == "1"
    call = fake_api.calls("PATCH")[-1]
    assert call.path == path
    assert call.headers["content-type"] == "application/apply-patch+yaml"
    assert "fieldManager=kubelab" in call.query and "force=true" in call.query
    assert call.body["metadata"]["namespace"] == "lab"
    assert "namespace" not in SVC["metadata"]  # the caller's object is not modified


def test_create_posts_to_the_collection(fake_api, client) -> None:
    fake_api.routes[("POST", "/api/v1/namespaces/x/services")] = (201, SVC)
    client.create(SVC, namespace="x")
    assert fake_api.calls("POST")[-1].body["metadata"] == {"name": "my-nginx", "namespace": "x"}


def test_api_errors_carry_the_status(fake_api, client) -> None:
    fake_api.routes[("POST", "/api/v1/namespaces/lab/services")] = (
        422,
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Invalid",
            "code": 422,
            "message": 'Service "my-nginx" is invalid: spec.ports: Required value',
        },
    )
    with pytest.raises(ApiRejected) as info:
        client.create(SVC)
    assert info.value.status_code == 422
    assert info.value.reason == "Invalid"
    assert info.value.message == 'Service "my-nginx" is invalid: spec.ports: Required value'


def test_unknown_kind_is_rejected_clearly(client) -> None:
    with pytest.raises(ApiRejected, match='resource type "Gadget"'):
        client.get("v1", "Gadget", "x")


def test_delete_reports_whether_it_existed(fake_api, client) -> None:
    fake_api.routes[("DELETE", "/api/v1/namespaces/lab/services/a")] = (200, {"kind": "Status"})
    assert client.delete("v1", "Service", "a") is True
    assert fake_api.calls("DELETE")[-1].body == {"propagationPolicy": "Background"}
    assert client.delete("v1", "Service", "b") is False


def test_ensure_namespace_creates_with_labels_and_leaves_existing_alone(fake_api, client) -> None:
    fake_api.routes[("POST", "/api/v1/namespaces")] = (201, {"metadata": {"name": "n"}})
    client.ensure_namespace("n", {"app.kubernetes.io/managed-by": "kubelab"})
    assert fake_api.calls("POST")[-1].body["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "kubelab"
    }
    mine = {"metadata": {"name": "mine", "labels": {"a": "b"}}}
    fake_api.routes[("GET", "/api/v1/namespaces/mine")] = (200, mine)
    assert client.ensure_namespace("mine", {"a": "b"}) == mine
    assert not [r for r in fake_api.calls("POST") if r.body["metadata"]["name"] == "mine"]
    assert not fake_api.calls("PATCH")


def test_ensure_namespace_never_adopts_one_without_its_labels(fake_api, client) -> None:
    """Someone else's namespace (no label, or another value) is refused, never relabelled."""
    from kubelab.cluster.base import ClusterError

    fake_api.routes[("GET", "/api/v1/namespaces/theirs")] = (200, {"metadata": {"name": "theirs"}})
    with pytest.raises(ClusterError, match="was not created by kubelab"):
        client.ensure_namespace("theirs", {"app.kubernetes.io/managed-by": "kubelab"})
    assert not fake_api.calls("POST") and not fake_api.calls("PATCH")


def test_watch_yields_events_and_raises_on_error_events(fake_api, client) -> None:
    lines = [
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
        {"type": "MODIFIED", "object": {"metadata": {"name": "a", "resourceVersion": "6"}}},
    ]
    body = "\n".join(json.dumps(x) for x in lines).encode() + b"\n"
    fake_api.routes[("GET", "/api/v1/namespaces/lab/services")] = (200, body)
    events = list(client.watch("v1", "Service", resource_version="4", timeout_seconds=5))
    assert [e["type"] for e in events] == ["ADDED", "MODIFIED"]
    query = fake_api.calls("GET")[-1].query
    assert "watch=true" in query and "resourceVersion=4" in query and "timeoutSeconds=5" in query
    gone = {"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}}
    fake_api.routes[("GET", "/api/v1/namespaces/lab/services")] = (200, json.dumps(gone).encode())
    with pytest.raises(ApiRejected) as info:
        list(client.watch("v1", "Service", timeout_seconds=5))
    assert info.value.status_code == 410


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_is_unreachable(fake_api, tmp_path: Path) -> None:
    fake_api.url = f"http://127.0.0.1:{_free_port()}"
    client = KubeClient(fake_api.kubeconfig(tmp_path / "kc"), None, "lab", request_timeout=5)
    with pytest.raises(ClusterUnreachable, match="does not answer"):
        client.get("v1", "Service", "x")
    assert client.is_reachable() is False


def test_bad_kubeconfig_is_a_cluster_error(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="cannot use kubeconfig"):
        KubeClient(tmp_path / "missing", None, "lab")
    (tmp_path / "kc").write_text("apiVersion: v1\nkind: Config\ncontexts: []\n")
    with pytest.raises(ClusterError, match="cannot use kubeconfig"):
        KubeClient(tmp_path / "kc", "nope", "lab")


def test_exit_codes_from_the_status_channel() -> None:
    assert exit_code('{"metadata":{},"status":"Success"}', "p") == 0
    failure = {
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
    }
    assert exit_code(json.dumps(failure), "p") == 3
    with pytest.raises(ApiRejected, match="container not found"):
        exit_code(
            json.dumps({"status": "Failure", "code": 500, "message": "container not found"}), "p"
        )
    with pytest.raises(ClusterError):
        exit_code("", "p")


def test_apply_falls_back_when_the_server_lacks_server_side_apply(fake_api, client) -> None:
    path = "/api/v1/namespaces/lab/services/my-nginx"
    unsupported = (415, {"kind": "Status", "code": 415, "reason": "UnsupportedMediaType"})
    exists = (409, {"kind": "Status", "code": 409, "reason": "AlreadyExists", "message": "x"})
    fake_api.routes[("PATCH", path)] = [unsupported, (200, SVC)]
    fake_api.routes[("POST", "/api/v1/namespaces/lab/services")] = exists
    assert client.apply(SVC) == SVC
    patches = fake_api.calls("PATCH")
    assert [p.headers["content-type"] for p in patches] == [
        "application/apply-patch+yaml",
        "application/merge-patch+json",
    ]
