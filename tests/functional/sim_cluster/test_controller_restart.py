"""A controller that crashes is restarted with backoff and reported by `/readyz?verbose`.

The crash is made in-process (the simulator runs in a thread of the test, its Endpoints
controller patched to raise): nothing an API client can send reaches it. kubectl reads
`/readyz` the way any client does (`k8s.io/apiserver/pkg/server/healthz`: `[+]name ok`, a
failed check turns the answer into a 500 listing `[-]name failed: ...`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_for

from kubelab.sim.controllers.endpoints import EndpointsController
from kubelab.sim.serve import ServeOptions, serve

KUBECTL = Path(sys.executable).parent / "kubectl"


class InProcessSim:
    """`serve()` on its own event loop in a thread, stopped by setting its stop event."""

    def __init__(self, directory: Path) -> None:
        self.kubeconfig = directory / "kubeconfig"
        self.cache = directory / "kubectl-cache"
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            options = ServeOptions(port=0, kubeconfig=self.kubeconfig, nodes=1)
            await serve(options, ready=lambda _server: self._ready.set(), stop=self._stop)

        try:
            asyncio.run(run())
        except BaseException as e:
            self._failure = e
            self._ready.set()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(30), "the simulator did not become ready"
        assert self._failure is None, self._failure

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    def kubectl(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(KUBECTL),
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self.cache),
                *list(args),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=check,
        )

    def readyz(self) -> str:
        result = self.kubectl("get", "--raw", "/readyz?verbose")
        return result.stdout + result.stderr


@pytest.fixture
def in_process_sim(tmp_path: Path) -> Iterator[InProcessSim]:
    sim = InProcessSim(tmp_path)
    sim.start()
    yield sim
    sim.stop()


def _crash_first_batches(monkeypatch: pytest.MonkeyPatch, crashes: int | None) -> list[int]:
    """Make EndpointsController crash at its first `crashes` batches (every one if None)."""
    calls = [0]
    original = EndpointsController.begin_batch

    def crashing(self: EndpointsController) -> None:
        calls[0] += 1
        if crashes is None or calls[0] <= crashes:
            raise RuntimeError("simulated controller crash")
        original(self)

    monkeypatch.setattr(EndpointsController, "begin_batch", crashing)
    return calls


def test_crashing_controller_is_reported_failed_by_readyz(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = _crash_first_batches(monkeypatch, None)
    caplog.set_level(logging.WARNING, logger="kubelab.sim")
    sim = InProcessSim(tmp_path)
    sim.start()
    try:

        def failed_readyz() -> str:
            text = sim.readyz()
            return text if "[-]controller-endpoints failed: restarting (" in text else ""

        text = wait_for(
            failed_readyz,
            timeout=15,
            what="readyz to report the crashing controller",
        )
        assert "readyz check failed" in text
        assert "[+]controller-scheduler ok" in text
        wait_for(lambda: calls[0] >= 3, timeout=15, what="three restarts")
    finally:
        sim.stop()
    crashes = [r for r in caplog.records if "controller controller-endpoints crashed" in r.message]
    assert len(crashes) >= 3
    assert all(r.exc_info is not None for r in crashes)


def test_endpoints_keep_updating_after_a_crash(
    monkeypatch: pytest.MonkeyPatch, in_process_sim: InProcessSim
) -> None:
    calls = _crash_first_batches(monkeypatch, 2)
    sim = in_process_sim
    wait_for(lambda: calls[0] > 2, timeout=15, what="the controller to run again after crashes")
    wait_for(
        lambda: "[+]controller-endpoints ok" in sim.readyz(),
        timeout=15,
        what="readyz to report the restarted controller ok",
    )
    assert sim.kubectl("get", "--raw", "/readyz").stdout == "ok"
    sim.kubectl("create", "deployment", "web", "--image=nginx", "--port=80", check=True)
    sim.kubectl("expose", "deployment", "web", "--port=80", check=True)

    def addresses() -> list[Any]:
        result = sim.kubectl("get", "endpoints", "web", "-o", "json")
        if result.returncode != 0:
            return []
        subsets = json.loads(result.stdout).get("subsets") or []
        return [a for s in subsets for a in s.get("addresses") or []]

    assert wait_for(addresses, timeout=30, what="the Service's endpoints to fill")
    sim.kubectl("scale", "deployment", "web", "--replicas=2", check=True)
    wait_for(lambda: len(addresses()) == 2, timeout=30, what="the endpoints to follow the scale")
