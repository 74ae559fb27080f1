"""Background processes kubelab owns: liveness, ownership by command line, stopping, locking."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from kubelab.cluster import process


def test_pid_alive_and_reaping(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=10)
    assert not process.pid_alive(child.pid)
    assert process.pid_alive(os.getpid())
    assert not process.pid_alive(0)


def test_owned_pid_checks_the_command_line(tmp_path: Path) -> None:
    pidfile = tmp_path / "x.pid"
    assert process.owned_pid(pidfile, ("sim", "serve")) is None
    pidfile.write_text(f"{os.getpid()}\n")  # a live process that is not ours
    assert process.owned_pid(pidfile, ("sim", "serve")) is None
    pidfile.write_text("garbage")
    assert process.owned_pid(pidfile, ("sim",)) is None


def test_start_detached_log_and_stop(tmp_path: Path) -> None:
    script = "import sys, time; print('hello from child', flush=True); time.sleep(60)"
    pidfile = tmp_path / "child.pid"
    log = tmp_path / "child.log"
    child = process.start_detached(
        [sys.executable, "-c", script, "marker-arg"], pidfile=pidfile, logfile=log
    )
    assert process.read_pid(pidfile) == child.pid
    assert process.owned_pid(pidfile, ("marker-arg",)) == child.pid
    assert os.getsid(child.pid) == child.pid  # its own session: Ctrl-C here does not reach it
    deadline = time.monotonic() + 10
    while "hello from child" not in process.log_tail(log) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "hello from child" in process.log_tail(log)
    assert process.stop(child.pid, timeout=5) is True
    child.wait(timeout=5)
    assert not process.pid_alive(child.pid)
    assert process.stop(child.pid) is False


def test_stop_escalates_to_sigkill(tmp_path: Path) -> None:
    script = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    assert process.stop(child.pid, timeout=0.5) is True  # SIGTERM ignored, then SIGKILL
    elapsed = time.monotonic() - started
    assert not process.pid_alive(child.pid)
    assert elapsed >= 0.5  # it waited for SIGTERM before SIGKILL


def test_log_tail_of_a_missing_log(tmp_path: Path) -> None:
    assert process.log_tail(tmp_path / "none.log") == "(no log)"


def test_find_running_by_program_name() -> None:
    child = subprocess.Popen(["bash", "-c", "exec -a kubelab-test-prog sleep 30"])
    try:
        deadline = time.monotonic() + 10
        found = None
        while found is None and time.monotonic() < deadline:
            found = process.find_running("kubelab-test-prog")
            time.sleep(0.05)
        assert found == child.pid
    finally:
        child.kill()
        child.wait(timeout=5)
    assert process.find_running("kubelab-test-prog") is None
