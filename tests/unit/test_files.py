"""The lock file kubelab processes share (the simulator's start, the progress file)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kubelab.files import locked


def test_locked_serialises(tmp_path: Path) -> None:
    order: list[str] = []
    lock = tmp_path / "not-yet" / "lock"

    def worker(name: str) -> None:
        with locked(lock):
            order.append(f"{name}-in")
            time.sleep(0.1)
            order.append(f"{name}-out")

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert order in (["a-in", "a-out", "b-in", "b-out"], ["b-in", "b-out", "a-in", "a-out"])
    assert lock.is_file()
