"""Deletions in flight when the simulator stops finish after the restart: a pod in its grace
period, a namespace being emptied. Nothing stays Terminating."""

from __future__ import annotations

import secrets
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WAIT = 30.0


def gone(server: Any, *args: str) -> bool:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = server.kubectl("get", *args, "-o", "name")
        if done.returncode != 0 and "NotFound" in done.stderr:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_deletions_in_flight_finish_after_a_restart(
    sim_factory: Callable[..., Any], tmp_path: Path, stop: int
) -> None:
    state = tmp_path / "state.db"
    server = sim_factory("lab", state=state)
    namespace = f"doomed-{secrets.token_hex(3)}"
    server.kubectl("create", "namespace", namespace, check=True)
    server.kubectl("run", "web", "--image=nginx", "-n", namespace, check=True)
    server.kubectl("run", "gp", "--image=nginx", check=True)
    server.kubectl("delete", "pod", "gp", "--wait=false", check=True)
    server.kubectl("delete", "namespace", namespace, "--wait=false", check=True)
    server.stop(stop)
    server = sim_factory("lab", state=state)  # a fresh port: the old one may be taken meanwhile
    assert gone(server, "pod", "gp"), server.kubectl("get", "pod", "gp").stdout
    assert gone(server, "namespace", namespace)
