"""exec through KubeClient and `kubelab status`'s exposed addresses, against the real simulator
(the NodePort really answers on 127.0.0.1)."""

from __future__ import annotations

import time
import urllib.request
import uuid

import pytest

from kubelab.cluster.base import HOST_PORTS_PATH, LabCluster, served_ports
from kubelab.cluster.client import ApiRejected, KubeClient
from kubelab.cluster.status import collect_status


@pytest.fixture
def client(sim) -> KubeClient:
    namespace = f"expose-{uuid.uuid4().hex[:8]}"
    with KubeClient(sim.kubeconfig, None, namespace) as setup:
        setup.ensure_namespace(namespace, {"test": "expose"})
    return KubeClient(sim.kubeconfig, None, namespace)


def running_pod(client: KubeClient, name: str, image: str, timeout: float = 20) -> dict:
    client.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [{"name": "main", "image": image}]},
        }
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pod = client.get("v1", "Pod", name)
        if pod and (pod.get("status") or {}).get("phase") == "Running":
            return pod
        time.sleep(0.1)
    pytest.fail(f"pod {name} not Running within {timeout}s")


def test_exec_collects_exit_code_and_both_streams(client: KubeClient) -> None:
    running_pod(client, "web", "nginx:1.27")
    result = client.exec("web", ["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=15)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert client.exec("web", ["true"], timeout=15).exit_code == 0


def test_exec_in_a_missing_pod_is_rejected(client: KubeClient) -> None:
    with pytest.raises(ApiRejected) as info:
        client.exec("nope", ["true"], timeout=15)
    assert info.value.status_code == 404


def test_status_lists_a_nodeport_that_answers_on_the_host(sim, client: KubeClient) -> None:
    running_pod(client, "site", "nginx:1.27")
    client.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "site"},
            "spec": {"type": "NodePort", "selector": {"app": "site"}, "ports": [{"port": 80}]},
        }
    )
    lab = LabCluster(
        provider="sim",
        name="test",
        kubeconfig=sim.kubeconfig,
        context="kubelab-sim",
        namespace=client.namespace,
        capabilities=frozenset({"nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        host_ports_path=HOST_PORTS_PATH,
    )
    deadline = time.monotonic() + 15
    row = None
    while time.monotonic() < deadline:
        status = collect_status(lab, provisioned=True)
        rows = [r for r in status.exposed if (r.namespace, r.name) == (client.namespace, "site")]
        if rows and rows[0].address is not None:
            row = rows[0]
            break
        time.sleep(0.2)
    assert row is not None, "the NodePort never got a host address"
    service = client.get("v1", "Service", "site")
    assert row.type == "NodePort" and row.port == service["spec"]["ports"][0]["nodePort"]
    served = served_ports(client.read_path(HOST_PORTS_PATH), client.namespace, "site")
    assert row.address == lab.host_endpoint(service, 80, "nodePort", served)
    # the bookkeeping is out of band, as a real server adds nothing to the Service
    assert "sim.kubelab.dev/host-address" not in (service["metadata"].get("annotations") or {})
    host, port = row.address
    assert host == "127.0.0.1"
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=10) as response:
        assert "Welcome to nginx!" in response.read().decode()
    assert status.api_reachable and status.nodes_ready == len(status.nodes) > 0


def test_concurrent_execs_and_requests_share_one_client(client: KubeClient) -> None:
    """`kubernetes.stream` swaps its ApiClient's `call_api` while an exec connects: execs and
    plain requests at the same time through one KubeClient must each get their own answer."""
    from concurrent.futures import ThreadPoolExecutor

    running_pod(client, "busy", "nginx:1.27")

    def one_exec(index: int) -> tuple[int, str]:
        result = client.exec("busy", ["sh", "-c", f"echo {index}"], timeout=20)
        return result.exit_code, result.stdout

    def one_get(_: int) -> str:
        pod = client.get("v1", "Pod", "busy")
        assert pod is not None
        return str(pod["metadata"]["name"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        execs = [pool.submit(one_exec, i) for i in range(12)]
        gets = [pool.submit(one_get, i) for i in range(24)]
        assert [f.result(timeout=60) for f in execs] == [(0, f"{i}\n") for i in range(12)]
        assert [f.result(timeout=60) for f in gets] == ["busy"] * 24
    # the shared client still answers plain requests afterwards
    assert client.get("v1", "Pod", "busy") is not None
    assert client.exec("busy", ["true"], timeout=15).exit_code == 0
