"""`kubectl port-forward` (SPDY tunnelled in WebSocket) and the Python client's port-forward
(`v4.channel.k8s.io`) to a pod's simulated server, checked with loopback HTTP requests."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import SimServer

NS = "portfwd"
KUBECTL = Path(sys.executable).parent / "kubectl"


@pytest.fixture(scope="module")
def web(sim: SimServer) -> str:
    sim.kubectl("create", "namespace", NS, check=True)
    sim.kubectl("-n", NS, "run", "pf-nginx", "--image=nginx", "--port=80", check=True)
    sim.kubectl(
        "-n",
        NS,
        "wait",
        "--for=condition=Ready",
        "pod/pf-nginx",
        "--timeout=20s",
        timeout=30,
        check=True,
    )
    return "pf-nginx"


def _port_forward(
    sim: SimServer, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            str(KUBECTL),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            NS,
            "port-forward",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**sim.env, **(env or {})},
    )


@pytest.fixture
def forwarded(sim: SimServer, web: str) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`kubectl port-forward pod/web :80` running; yields the local port kubectl picked."""
    proc = _port_forward(sim, f"pod/{web}", ":80")
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # kubectl's first line, written once it listens
        found = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> 80", line)
        assert found, (line, proc.poll())
        yield int(found.group(1)), proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _get(port: int, method: str = "GET") -> tuple[int, str]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read().decode()


def test_kubectl_port_forward_reaches_nginx(
    forwarded: tuple[int, subprocess.Popen[str]],
) -> None:
    port, proc = forwarded
    for _ in range(3):  # one connection each: the tunnel pairs streams per connection
        status, body = _get(port)
        assert status == 200 and "<title>Welcome to nginx!</title>" in body
    assert _get(port, "HEAD") == (200, "")
    assert proc.poll() is None  # still forwarding


def test_kubectl_port_forward_over_plain_spdy(sim: SimServer, web: str) -> None:
    """kubectl's fallback when WebSockets are off (and what kubectl <= 1.29 does): the HTTP
    connection itself upgraded to SPDY/3.1."""
    proc = _port_forward(sim, f"pod/{web}", ":80", env={"KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"})
    try:
        assert proc.stdout is not None
        found = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> 80", proc.stdout.readline())
        assert found
        for _ in range(2):
            status, body = _get(int(found.group(1)))
            assert status == 200 and "Welcome to nginx!" in body
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_kubectl_port_forward_to_a_closed_port_reports_the_runtime_error(
    sim: SimServer, web: str
) -> None:
    proc = _port_forward(sim, f"pod/{web}", ":8080")
    try:
        assert proc.stdout is not None
        found = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> 8080", proc.stdout.readline())
        assert found
        with pytest.raises(OSError):  # the connection is closed without an answer
            _get(int(found.group(1)))
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 1
    assert "dial tcp4 127.0.0.1:8080: connect: connection refused" in err
    assert err.rstrip().endswith("error: lost connection to pod")


def test_port_forward_needs_a_running_pod(sim: SimServer, web: str) -> None:
    sim.kubectl("-n", NS, "run", "stuck", "--image=radial/busyboxplus:curl", check=True)
    result = sim.kubectl("-n", NS, "port-forward", "pod/stuck", ":80", timeout=20)
    assert result.returncode == 1
    assert "unable to forward port because pod is not running" in result.stderr


def test_python_client_port_forward(sim: SimServer, web: str) -> None:
    from kubernetes import client, config
    from kubernetes.stream import portforward

    api = client.CoreV1Api(config.new_client_from_config(str(sim.kubeconfig)))
    pf = portforward(api.connect_get_namespaced_pod_portforward, web, NS, ports="80,81")
    try:
        sock = pf.socket(80)
        sock.settimeout(10)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
        data = b""
        deadline = time.monotonic() + 10
        while b"</html>" not in data and time.monotonic() < deadline:
            data += sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 200 OK\r\n") and b"Welcome to nginx!" in data
        sock.close()
        assert "connect: connection refused" in str(pf.error(81))
    finally:
        pf.close()
