"""Shared fixtures: the simulator (a real `kubelab sim serve` subprocess) and a kubectl runner.

- `sim` (session): a running simulator; `sim.kubeconfig` is its kubeconfig path.
- `kubectl` (function): `kubectl("get", "svc", input=None, timeout=30, check=False)` runs the
  real kubectl beside this Python with the simulator's kubeconfig and its own `--cache-dir`.
- `sim_factory` (function): start extra simulators (own state/port) in a test, stopped after it.

Every test that uses `sim` shares one cluster: create uniquely named objects (or a namespace of
your own) and do not rely on the cluster being empty.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

KUBECTL = Path(sys.executable).parent / "kubectl"
START_TIMEOUT = 30.0


@dataclass
class SimServer:
    """A running `kubelab sim serve` subprocess."""

    process: subprocess.Popen[bytes]
    kubeconfig: Path
    state: Path | None
    log: Path
    cache_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def server(self) -> str:
        for line in self.kubeconfig.read_text().splitlines():
            if line.strip().startswith("server:"):
                return line.split(":", 1)[1].strip()
        raise AssertionError("no server in kubeconfig")

    def kubectl(
        self,
        *args: str,
        input: str | None = None,  # noqa: A002
        timeout: float = 30.0,
        check: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            str(KUBECTL),
            "--kubeconfig",
            str(self.kubeconfig),
            "--cache-dir",
            str(self.cache_dir),
            *args,
        ]
        result = subprocess.run(
            cmd, input=input, capture_output=True, text=True, timeout=timeout, env=self.env
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n"
                f"{result.stderr}"
            )
        return result

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_sim(
    directory: Path,
    *,
    state: Path | None = None,
    extra: tuple[str, ...] = (),
    timeout: float = START_TIMEOUT,
) -> SimServer:
    """Start `kubelab sim serve` and wait (up to `timeout` s) for the kubeconfig it writes."""
    directory.mkdir(parents=True, exist_ok=True)
    kubeconfig = directory / "kubeconfig"
    if kubeconfig.exists():
        kubeconfig.unlink()
    log = directory / "sim.log"
    cmd = [
        sys.executable,
        "-m",
        "kubelab",
        "sim",
        "serve",
        "--port",
        "0",
        "--kubeconfig",
        str(kubeconfig),
    ]
    if state is not None:
        cmd += ["--state", str(state)]
    cmd += list(extra)
    env = dict(os.environ)
    env["KUBECONFIG"] = str(kubeconfig)
    env["HOME"] = str(directory)  # kubectl writes nothing into the real home
    with log.open("wb") as out:
        process = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parent.parent,
        )
    server = SimServer(process, kubeconfig, state, log, directory / "kubectl-cache", env)
    deadline = time.monotonic() + timeout
    while not kubeconfig.exists():
        if process.poll() is not None:
            raise RuntimeError(
                f"kubelab sim serve exited {process.returncode}:\n{server.log_tail()}"
            )
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            raise RuntimeError(f"kubelab sim serve not ready in {timeout}s:\n{server.log_tail()}")
        time.sleep(0.02)
    return server


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimServer]:
    directory = tmp_path_factory.mktemp("sim")
    server = start_sim(directory, state=directory / "state.db")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kubectl(sim: SimServer) -> Callable[..., subprocess.CompletedProcess[str]]:
    return sim.kubectl


@pytest.fixture
def sim_factory(tmp_path: Path) -> Iterator[Callable[..., SimServer]]:
    started: list[SimServer] = []

    def factory(name: str = "extra", **kwargs: object) -> SimServer:
        server = start_sim(tmp_path / name, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop(signal.SIGKILL)
