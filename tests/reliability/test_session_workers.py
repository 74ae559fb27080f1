"""Pod commands run in worker processes, outside the API server's event loop, with budgets: a
busy loop past the session's CPU time is ended by the kernel (exit 152, as a shell reports
SIGXCPU), a runaway allocation past the memory budget ends the session (exit 137), the API
answers meanwhile, and a client that goes away takes its work with it (no process keeps
burning CPU)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_hostile_pods import KUBECTL, Reader


def tree_cpu_seconds(root: int) -> float:
    """CPU time of `root` and every process below it (utime + stime, Linux /proc)."""
    children: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        times[pid] = (int(fields[11]) + int(fields[12])) / 100
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


@pytest.fixture
def budgeted(sim_factory: Callable[..., Any]) -> Any:
    """A simulator whose sessions may use 2 s of CPU, with a busybox pod `bb`."""
    server = sim_factory("budgeted", extra=("--session-cpu-seconds", "2"))
    server.kubectl("run", "bb", "--image=busybox", "--restart=Never", "--", "sleep", "3600")
    server.kubectl("wait", "--for=condition=Ready", "pod/bb", "--timeout=60s", check=True)
    return server


def test_a_busy_loop_is_ended_at_its_cpu_budget(budgeted: Any) -> None:
    with Reader(budgeted) as reader:
        done = budgeted.kubectl(
            "exec", "bb", "--", "sh", "-c", "while true; do :; done", timeout=60
        )
    assert done.returncode == 152, done.stderr
    assert "CPU time limit exceeded" in done.stderr
    assert reader.answers and set(reader.answers) == {0}


def test_a_runaway_allocation_ends_the_session(budgeted: Any) -> None:
    script = 'x=$(printf "%10000000s"); while true; do x=$x$x; done'
    done = budgeted.kubectl("exec", "bb", "--", "sh", "-c", script, timeout=60)
    assert done.returncode == 137, done.stderr
    assert budgeted.kubectl("get", "pods").returncode == 0


def test_the_work_stops_when_the_client_goes_away(budgeted: Any, tmp_path: Path) -> None:
    import subprocess

    command = [
        str(KUBECTL),
        "--kubeconfig",
        str(budgeted.kubeconfig),
        "--cache-dir",
        str(tmp_path / "cache"),
        "exec",
        "bb",
        "--",
        "sh",
        "-c",
        "while true; do :; done",
    ]
    client = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    client.kill()
    client.wait(timeout=10)
    time.sleep(1.0)  # the simulator notices and kills the worker
    before = tree_cpu_seconds(budgeted.process.pid)
    time.sleep(2.0)
    used = tree_cpu_seconds(budgeted.process.pid) - before
    assert used < 0.8, f"the simulator's processes used {used:.1f} s of CPU in 2 s"
