"""The progress file saved by a process that is SIGKILLed over and over, at random moments: after
every kill the file loads (no notice, nothing set aside) and holds every save that returned.

The fast suite kills the writer 100 times; `KUBELAB_KILLS=1000` runs the full count:

    KUBELAB_KILLS=1000 .venv/bin/pytest tests/reliability/test_progress_kills.py -q
"""

from __future__ import annotations

import os
import random
import signal
import struct
import sys
import time
from pathlib import Path

import pytest

from kubelab.progress import ProgressStore

KILLS = int(os.environ.get("KUBELAB_KILLS", "100"))
LESSON, STEP = "lesson", "step"


def writer(path: Path, ack_fd: int) -> None:
    """Child: bump a counter in the progress file forever, reporting each save that returned."""
    store = ProgressStore(path)
    value = store.load().lessons[LESSON].steps[STEP].hints_used
    while True:
        value += 1
        store.record_hint(LESSON, STEP, value)
        store.set_current(LESSON, f"step-{value}")
        os.write(ack_fd, struct.pack("<q", value))


def last_ack(read_fd: int) -> int | None:
    data = b""
    while chunk := os.read(read_fd, 65536):
        data += chunk
    whole = len(data) // 8 * 8
    if not whole:
        return None
    (value,) = struct.unpack("<q", data[whole - 8 : whole])
    return int(value)


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL")
def test_progress_survives_being_killed_while_saving(tmp_path: Path) -> None:
    path = tmp_path / "progress.json"
    ProgressStore(path).record_hint(LESSON, STEP, 0)
    rng = random.Random(9)
    acknowledged = 0
    killed_mid_run = 0
    for _ in range(KILLS):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                os.close(read_fd)
                writer(path, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        time.sleep(rng.uniform(0.0, 0.02))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed_mid_run += os.WIFSIGNALED(status)
        acked = last_ack(read_fd)
        os.close(read_fd)
        fresh = ProgressStore(path)
        progress = fresh.load()
        assert fresh.notices == [], fresh.notices
        stored = progress.lessons[LESSON].steps[STEP].hints_used
        if acked is not None:
            acknowledged = acked
        # every acknowledged save is there; at most the one in flight landed on top of it
        assert acknowledged <= stored <= acknowledged + 1, (acknowledged, stored)
        acknowledged = stored
        assert progress.current_step is None or progress.current_step.startswith("step-")
    assert killed_mid_run == KILLS
    assert acknowledged > 0, "the writer never saved"
    assert not list(tmp_path.glob("progress.json.corrupt-*"))
    # a killed save leaves its temporary file; the next save removes every such orphan
    ProgressStore(path).record_hint(LESSON, STEP, acknowledged + 1)
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".progress.json.")]
    assert leftovers == [], f"temporary files left behind by killed saves: {leftovers[:5]}"


def test_a_save_in_progress_is_not_taken_for_an_orphan(tmp_path: Path) -> None:
    store = ProgressStore(tmp_path / "progress.json")
    alive = tmp_path / f".progress.json.{os.getppid()}.abc123"  # a live process's save
    dead = tmp_path / ".progress.json.999999999.def456"  # no such pid
    for temp in (alive, dead):
        temp.write_text("{")
    store.record_pass(LESSON, STEP)
    assert alive.exists() and not dead.exists()
    assert ProgressStore(store.path).load().passed(LESSON, STEP)


@pytest.mark.skipif(sys.platform == "win32", reason="needs fork")
def test_concurrent_writers_lose_no_update(tmp_path: Path) -> None:
    """The TUI and `kubelab grade` in another terminal saving at the same time: every pass
    recorded by every process is in the file afterwards (the advisory lock serialises them)."""
    path = tmp_path / "progress.json"
    writers, saves = 4, 25
    pids = []
    for w in range(writers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            code = 1
            try:
                store = ProgressStore(path)
                for i in range(saves):
                    store.record_pass(f"lesson-{w}", f"step-{i}")
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    for pid in pids:
        deadline = time.monotonic() + 60
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
                break
            assert time.monotonic() < deadline, "a writer did not finish"
            time.sleep(0.01)
    progress = ProgressStore(path).load()
    missing = [
        (w, i)
        for w in range(writers)
        for i in range(saves)
        if not progress.passed(f"lesson-{w}", f"step-{i}")
    ]
    assert not missing, f"{len(missing)} recorded passes were lost: {missing[:5]}"
