"""The API server's `services/.../proxy` and `pods/.../proxy`, through real kubectl
(`get --raw` and `kubectl proxy` with a loopback HTTP client)."""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import SimServer


NS = "proxied"
KUBECTL = Path(sys.executable).parent / "kubectl"


@pytest.fixture(scope="module")
def ns(sim: SimServer) -> str:
    sim.kubectl("create", "namespace", NS, check=True)
    sim.kubectl("-n", NS, "create", "deployment", "relay", "--image=nginx", "--port=80", check=True)
    sim.kubectl(
        "-n", NS, "expose", "deployment", "relay", "--port=8080", "--target-port=80", check=True
    )
    sim.kubectl("-n", NS, "create", "service", "clusterip", "empty", "--tcp=80:80", check=True)
    sim.kubectl(
        "-n", NS, "rollout", "status", "deployment/relay", "--timeout=20s", timeout=30, check=True
    )
    return NS


def raw(sim: SimServer, path: str) -> subprocess.CompletedProcess[str]:
    return sim.kubectl("get", "--raw", path)


def test_service_proxy_by_name_and_port(sim: SimServer, ns: str) -> None:
    for target in ("relay", "relay:8080", "http:relay:8080"):
        result = raw(sim, f"/api/v1/namespaces/{ns}/services/{target}/proxy/")
        assert result.returncode == 0, result.stderr
        assert "<title>Welcome to nginx!</title>" in result.stdout
    missing = raw(sim, f"/api/v1/namespaces/{ns}/services/relay:9999/proxy/")
    assert missing.stderr.strip() == (
        'Error from server (ServiceUnavailable): no service port 9999 found for service "relay"'
    )
    empty = raw(sim, f"/api/v1/namespaces/{ns}/services/empty/proxy/")
    assert empty.stderr.strip() == (
        'Error from server (ServiceUnavailable): no endpoints available for service "empty"'
    )


def test_pod_proxy_uses_the_first_container_port(sim: SimServer, ns: str) -> None:
    pod = sim.kubectl("-n", ns, "get", "pods", "-l", "app=relay", "-o", "name", check=True)
    name = pod.stdout.split()[0].split("/")[1]
    ok = raw(sim, f"/api/v1/namespaces/{ns}/pods/{name}/proxy/")
    assert "<title>Welcome to nginx!</title>" in ok.stdout
    closed = raw(sim, f"/api/v1/namespaces/{ns}/pods/{name}:81/proxy/")
    assert re.search(
        r"error trying to reach service: dial tcp 10\.244\.\d+\.\d+:81: connect: connection "
        "refused",
        closed.stderr,
    ), closed.stderr


def test_kubectl_proxy_relays_to_a_service(sim: SimServer, ns: str) -> None:
    proc = subprocess.Popen(
        [
            str(KUBECTL),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "proxy",
            "--port=0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sim.env,
    )
    try:
        assert proc.stdout is not None
        found = re.match(r"Starting to serve on 127\.0\.0\.1:(\d+)", proc.stdout.readline())
        assert found
        base = f"http://127.0.0.1:{found.group(1)}/api/v1/namespaces/{ns}/services"
        with urllib.request.urlopen(f"{base}/relay:8080/proxy/", timeout=10) as resp:
            assert resp.status == 200
            assert "Welcome to nginx!" in resp.read().decode()
        post = urllib.request.Request(f"{base}/relay/proxy/", data=b"x=1", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(post, timeout=10)
        assert refused.value.code == 405  # nginx serves static files only
        assert "405 Not Allowed" in refused.value.read().decode()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_discovery_lists_the_proxy_subresources(sim: SimServer) -> None:
    import json

    resources = json.loads(sim.kubectl("get", "--raw", "/api/v1", check=True).stdout)["resources"]
    kinds = {r["name"]: r["kind"] for r in resources if r["name"].endswith(("proxy", "forward"))}
    assert kinds == {
        "pods/portforward": "PodPortForwardOptions",
        "pods/proxy": "PodProxyOptions",
        "services/proxy": "ServiceProxyOptions",
    }
