"""`kubectl debug -it POD --image=busybox` (an ephemeral container sharing the pod's network)
through a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect

if TYPE_CHECKING:
    from tests.conftest import SimServer

NS = "debugging"


def test_kubectl_debug_reaches_a_shell_beside_the_pod(sim: SimServer) -> None:
    sim.kubectl("create", "namespace", NS, check=True)
    sim.kubectl("-n", NS, "run", "target", "--image=nginx", check=True)
    sim.kubectl(
        "-n", NS, "wait", "--for=condition=Ready", "pod/target", "--timeout=20s",
        timeout=30, check=True,
    )  # fmt: skip
    child = pexpect.spawn(
        str(Path(sys.executable).parent / "kubectl"),
        [
            "--kubeconfig", str(sim.kubeconfig), "--cache-dir", str(sim.cache_dir),
            "-n", NS, "debug", "-it", "target", "--image=busybox:1.37", "--container=dbg",
        ],
        env={**os.environ, **sim.env},
        encoding="utf-8",
        timeout=20,
    )  # fmt: skip
    try:
        child.expect("try pressing enter")
        child.sendline("")
        child.expect(r"/ # ")
        child.sendline("wget -qO- localhost | grep title")  # the pod's nginx, same network
        child.expect("<title>Welcome to nginx!</title>")
        child.expect(r"/ # ")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    deadline = time.monotonic() + 10
    while True:  # the end of its shell is recorded as kubectl leaves
        got = sim.kubectl("-n", NS, "get", "pod", "target", "-o", "json", check=True)
        pod = json.loads(got.stdout)
        [status] = pod["status"]["ephemeralContainerStatuses"]
        if "terminated" in status["state"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert [c["name"] for c in pod["spec"]["ephemeralContainers"]] == ["dbg"]
    assert status["name"] == "dbg" and status["image"] == "docker.io/library/busybox:1.37"
    assert status["state"]["terminated"]["exitCode"] == 0  # its shell exited: it is done
    assert pod["status"]["phase"] == "Running"  # the pod itself goes on
    # Only the ephemeralcontainers subresource adds them; a main update cannot remove them.
    removed = sim.kubectl(
        "-n", NS, "patch", "pod", "target", "--type=json",
        "-p", '[{"op": "remove", "path": "/spec/ephemeralContainers"}]',
    )  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    again = json.loads(sim.kubectl("-n", NS, "get", "pod", "target", "-o", "json").stdout)
    assert [c["name"] for c in again["spec"]["ephemeralContainers"]] == ["dbg"]
