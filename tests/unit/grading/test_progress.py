"""Progress: atomic saves, set-aside of corrupt and future files, the state dir override."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubelab.progress import FORMAT_VERSION, ProgressStore, state_dir


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProgressStore:
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    return ProgressStore()


def test_state_dir_override(store: ProgressStore, tmp_path: Path) -> None:
    assert state_dir() == tmp_path / "state"
    assert store.path == tmp_path / "state" / "progress.json"


def test_records_passes_hints_solutions_and_current_step(store: ProgressStore) -> None:
    store.set_current("services-101", "create")
    store.record_hint("services-101", "create", 2)
    store.record_hint("services-101", "create", 1)
    store.record_solution("services-101", "create")
    store.record_pass("services-101", "create", when="2026-01-01T00:00:00+00:00")
    store.record_pass("services-101", "create")  # the first pass time is kept
    store.set_bindings("services-101", {"namespace": "lab", "node_port": 31000})
    data = json.loads(store.path.read_text())
    assert data["format_version"] == FORMAT_VERSION
    assert data["current_lesson"] == "services-101" and data["current_step"] == "create"
    step = data["lessons"]["services-101"]["steps"]["create"]
    assert step == {
        "passed_at": "2026-01-01T00:00:00+00:00",
        "attempts": 2,
        "hints_used": 2,
        "solution_applied": True,
        "setup_applied": False,
    }
    loaded = ProgressStore(store.path).load()
    assert loaded.passed("services-101", "create")
    assert loaded.lessons["services-101"].bindings["node_port"] == 31000
    store.reset_lesson("services-101")
    assert "services-101" not in store.load().lessons


def test_corrupt_file_is_set_aside(store: ProgressStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"format_version": 1, "lessons": {"x": ')
    progress = store.load()
    assert progress.lessons == {}
    assert store.notices and "corrupt" in store.notices[0]
    aside = list(store.path.parent.glob("progress.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().startswith('{"format_version"')
    assert not store.path.exists()


@pytest.mark.parametrize(
    "lessons",
    [
        {"x": {"steps": {"s": {"attempts": "3"}}}},  # a number as text
        {"x": {"steps": {"s": {"solution_applied": 1}}}},  # an int for a bool
        {"x": {"steps": {"s": {"hints_used": True}}}},  # a bool for an int
        {"x": {"bindings": {"port": [80]}}},  # a binding is a str or an int
        {"x": {"steps": ["s"]}},  # steps are an object
        {"x": "done"},
        [],
    ],
)
def test_a_file_of_another_shape_is_set_aside(store: ProgressStore, lessons: object) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps({"format_version": FORMAT_VERSION, "lessons": lessons}))
    assert store.load().lessons == {}
    assert store.notices and "corrupt" in store.notices[0]
    assert len(list(store.path.parent.glob("progress.json.corrupt-*"))) == 1


def test_keys_it_does_not_know_are_kept_out_not_refused(store: ProgressStore) -> None:
    store.path.parent.mkdir(parents=True)
    step = {"passed_at": "2026-01-01T00:00:00+00:00", "attempts": 1, "rating": 5}
    store.path.write_text(
        json.dumps(
            {
                "format_version": FORMAT_VERSION,
                "theme": "dark",
                "lessons": {"x": {"bindings": {"p": 80, "ns": "lab"}, "steps": {"s": step}}},
            }
        )
    )
    progress = store.load()
    assert progress.passed("x", "s") and progress.lessons["x"].bindings == {"p": 80, "ns": "lab"}
    assert not store.notices
    store.record_hint("x", "s", 1)
    saved = json.loads(store.path.read_text())
    assert "theme" not in saved and "rating" not in saved["lessons"]["x"]["steps"]["s"]


def test_future_version_is_set_aside_not_overwritten(store: ProgressStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text(json.dumps({"format_version": FORMAT_VERSION + 1, "new": True}))
    store.record_pass("a", "b")
    aside = list(store.path.parent.glob("progress.json.from-newer-kubelab-*"))
    assert len(aside) == 1 and json.loads(aside[0].read_text())["new"] is True
    assert "newer" in store.notices[0]
    assert store.load().passed("a", "b")


def test_a_killed_writer_never_leaves_a_torn_file(store: ProgressStore) -> None:
    """Kill a process that saves in a loop; the file must always parse."""
    store.record_pass("lesson", "step0")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kubelab.progress import ProgressStore\n"
        "store = ProgressStore(Path(sys.argv[1]))\n"
        "i = 0\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    i += 1\n"
        "    store.record_pass('lesson', f'step{i}')\n"
    )
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(store.path)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])},
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.2)  # let it save many times, then kill it wherever it is
        proc.kill()
        proc.wait(timeout=10)
        fresh = ProgressStore(store.path)
        assert fresh.load().passed("lesson", "step0")
        assert fresh.notices == []
    assert not list(store.path.parent.glob("progress.json.corrupt-*"))
