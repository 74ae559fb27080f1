"""The learner's path in the terminal, end to end on the simulator kubelab starts itself:
`kubelab start`, `hint`, `grade`, `solve`, `next`, `reset` and `watch`, with the learner's
kubectl pointed by `kubelab env` (no `-n`), as a learner runs them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
KUBECTL = Path(sys.executable).parent / "kubectl"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "KUBELAB_STATE_DIR": str(tmp_path / "state"),
        "KUBELAB_CONFIG": str(tmp_path / "config.toml"),
        "HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",  # no kind here: auto picks the simulator
    }
    env.pop("KUBELAB_CLUSTER", None)
    env.pop("KUBECONFIG", None)
    return env


@pytest.fixture
def run(env: dict[str, str]) -> Iterator[Run]:
    def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kubelab", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
            env=env,
        )

    yield run
    run("down")


def kubectl(tmp_path: Path, run: Run, *args: str, stdin: str | None = None) -> Any:
    """The learner's kubectl after `eval "$(kubelab env)"`: kubelab's kubeconfig, no `-n`."""
    line = run("env", "--shell", "sh").stdout.strip()
    kubeconfig = line.split("=", 1)[1].strip("'")
    return subprocess.run(
        [str(KUBECTL), "--kubeconfig", kubeconfig, "--cache-dir", str(tmp_path / "cache"), *args],
        input=stdin, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def progress(tmp_path: Path) -> Any:
    return json.loads((tmp_path / "state" / "progress.json").read_text())


@pytest.mark.timeout(600)
def test_start_hint_grade_solve_next_reset(run: Run, tmp_path: Path) -> None:
    started = run("start", "2")
    assert started.returncode == 0, started.stderr
    assert "Lesson 2 (clusterip-service)" in started.stdout
    assert "Step 1/2 (create-the-service)" in started.stdout
    assert "namespace kubelab-clusterip-service" in started.stderr

    first, second = run("hint"), run("hint")
    assert first.returncode == 0 and first.stdout.startswith("Hint 1/"), first.stdout
    assert second.stdout.startswith("Hint 2/"), second.stdout
    assert (
        progress(tmp_path)["lessons"]["clusterip-service"]["steps"]["create-the-service"][
            "hints_used"
        ]
        == 2
    )

    assert run("grade", "--wait", "1").returncode == 1
    service = (REPO / "manifests" / "nginx-svc.yaml").read_text()
    applied = kubectl(tmp_path, run, "apply", "-f", "-", stdin=service)
    assert applied.returncode == 0, applied.stderr
    where = kubectl(tmp_path, run, "get", "svc", "my-nginx", "-o", "jsonpath={..namespace}")
    assert where.stdout == "kubelab-clusterip-service"
    graded = run("grade", "--wait", "30")
    assert graded.returncode == 0, graded.stdout + graded.stderr
    assert "next step: clusterip-service/port-and-targetport" in graded.stderr

    solved = run("solve")
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert "recorded as assisted" in solved.stdout
    assert "Lesson 2 (clusterip-service) passed. Next: lesson 3 (endpoints)" in solved.stdout
    step = progress(tmp_path)["lessons"]["clusterip-service"]["steps"]["port-and-targetport"]
    assert step["solution_applied"] and step["passed_at"]

    # the whole lesson: its end state holds and its first step passed in the record
    assert run("grade", "2", "--wait", "30").returncode == 0

    moved = run("next")
    assert moved.returncode == 0, moved.stderr
    assert "Lesson 3 (endpoints)" in moved.stdout
    assert progress(tmp_path)["current_lesson"] == "endpoints"
    assert kubectl(tmp_path, run, "get", "svc", "my-nginx").returncode == 0  # lesson 3's

    reset = run("reset")
    assert reset.returncode == 0, reset.stderr
    assert "Reset endpoints/fix-the-selector." in reset.stdout
    # lesson 2 was not touched by lesson 3 and still passes
    assert run("grade", "clusterip-service", "--wait", "30").returncode == 0


@pytest.mark.timeout(300)
def test_watch_moves_on_as_steps_pass_and_ctrl_c_ends_it(
    run: Run, env: dict[str, str], tmp_path: Path
) -> None:
    assert run("start", "endpoints").returncode == 0
    watch = subprocess.Popen(
        [sys.executable, "-m", "kubelab", "watch", "--wait", "1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        time.sleep(3)
        fixed = (REPO / "manifests" / "nginx-svc.yaml").read_text()
        assert kubectl(tmp_path, run, "apply", "-f", "-", stdin=fixed).returncode == 0
        deadline = time.monotonic() + 120
        while progress(tmp_path)["current_step"] != "scale-up":
            assert time.monotonic() < deadline, "the watch did not move on"
            assert watch.poll() is None
            time.sleep(0.5)
        watch.send_signal(signal.SIGINT)
        out, err = watch.communicate(timeout=30)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.communicate()
    assert watch.returncode == 130, err
    assert "Step fix-the-selector passed. On to the next step." in out
    assert "kubelab: interrupted" in err and "Traceback" not in err


def test_mistakes_are_messages_not_tracebacks(run: Run) -> None:
    for args, said in [
        (("hint",), "no current lesson"),
        (("next",), "no current lesson"),
        (("watch",), "no current lesson"),
        (("start", "99"), "no lesson '99'"),
        (("solve", "dns/nope"), "lesson dns has no step 'nope'"),
    ]:
        done = run(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert said in done.stderr and "Traceback" not in done.stderr, (args, done.stderr)


def test_a_lesson_number_works_wherever_a_lesson_id_does(run: Run) -> None:
    listed = [line.split() for line in run("lessons").stdout.splitlines()]
    assert ["5.", "dns"] in [words[:2] for words in listed]  # after the course's title
    graded = run("grade", "5", "--no-wait")
    # not up yet: the lesson is found (no "no lesson '5'"), the cluster is what is missing
    assert graded.returncode == 2 and "no lesson" not in graded.stderr, graded.stderr
    assert "is not up" in graded.stderr
