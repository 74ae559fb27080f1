"""Watchers that never read (a frozen terminal running `kubectl get -w`, a suspended laptop) do
not hold anyone else up: writes keep being acknowledged, other clients keep being answered, and
the simulator's memory does not grow with every event the stuck watchers are not reading."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.client import KubeClient

STUCK = 3
WRITES = 400
PAYLOAD = 20_000  # bytes per object: 8 MB of events for each stuck watcher


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_stuck_watchers_block_no_one(sim_factory: Callable[..., Any]) -> None:
    server = sim_factory("watched")
    token = next(
        line.split(":", 1)[1].strip()
        for line in server.kubeconfig.read_text().splitlines()
        if line.strip().startswith("token:")
    )
    host, port = server.server.removeprefix("https://").rsplit(":", 1)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    stuck = []
    try:
        for _ in range(STUCK):
            raw = socket.create_connection((host, int(port)), timeout=10)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn = context.wrap_socket(raw, server_hostname=host)
            conn.sendall(
                f"GET /api/v1/configmaps?watch=true HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {token}\r\n\r\n".encode()
            )
            stuck.append(conn)  # never read from again
        with KubeClient(server.kubeconfig, None, "default", request_timeout=10) as client:
            client.create(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "warm-up"}}
            )
            before = rss_mb(server.process.pid)
            for i in range(WRITES):
                client.create(
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": f"cm-{i}"},
                        "data": {"a": "x" * PAYLOAD},
                    }
                )
            assert client.version()["major"]
            grown = rss_mb(server.process.pid) - before
        stored = WRITES * PAYLOAD / 2**20
        # measured: the objects alone grow it by about `stored` (7.9 MB for 7.6 MB), the three
        # stuck watchers add about 2 MB; each of them buffering every event would add `stored`
        assert grown < stored * 2 + 5, f"grew {grown:.0f} MB for {stored:.0f} MB of objects"
    finally:
        for conn in stuck:
            conn.close()
