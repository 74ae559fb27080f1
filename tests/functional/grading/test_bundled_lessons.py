"""`kubelab test --cluster sim` of every bundled lesson: each step's checks fail before its
solution and pass after it, on the simulator kubelab provisions itself (part of .ci/run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.timeout(700)
def test_every_bundled_lesson_proves_itself(tmp_path: Path) -> None:
    env = {**os.environ, "KUBELAB_STATE_DIR": str(tmp_path / "state"), "NO_COLOR": "1"}
    env.pop("KUBELAB_CLUSTER", None)
    report = tmp_path / "selftest.json"

    def kubelab(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kubelab", *args],
            capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    try:
        done = kubelab(
            "test", "--cluster", "sim", "--report", "json", "--output", str(report),
            timeout=600,
        )  # fmt: skip
    finally:
        kubelab("down", "--cluster", "sim", "--yes", timeout=60)
    assert done.returncode == 0, done.stderr[-6000:]
    data = json.loads(report.read_text())
    lessons = [lesson["id"] for lesson in data["lessons"]]
    bundled = sorted(p.name for p in (REPO / "lessons").glob("*.yaml"))
    assert len(lessons) == len(bundled) >= 1
    assert data["counts"]["failed"] == 0 and data["counts"]["error"] == 0
