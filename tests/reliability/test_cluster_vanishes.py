"""The cluster vanishing while `kubelab grade` polls: a clear "cannot reach / does not answer"
error, exit 2 (never 1: the learner's work was not judged), no traceback; once the cluster is back,
grading works again."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "fixtures" / "courses" / "good"
UNREACHABLE_WORDS = ("does not answer", "cannot reach")
MANAGED = "app.kubernetes.io/managed-by=kubelab"


def slow_course(tmp_path: Path) -> Path:
    """The `good` test course with check timeouts (600 s) far beyond the test's own timeout: a
    grader that kept polling a dead cluster instead of reporting it would time the test out."""
    course = tmp_path / "course"
    shutil.copytree(GOOD, course)
    lesson = course / "lessons" / "01-nodeport.yaml"
    lesson.write_text(lesson.read_text().replace("timeout: 3", "timeout: 600"))
    return course


def kubelab_env(tmp_path: Path, kubeconfig: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KUBECONFIG=str(kubeconfig),
        KUBELAB_STATE_DIR=str(tmp_path / "state"),
        NO_COLOR="1",
        HOME=str(tmp_path),
    )
    env.pop("KUBELAB_CLUSTER", None)
    return env


def start_lesson(kubeconfig: Path, lab_namespace: str, lesson_id: str) -> str:
    """The namespace lesson `lesson_id` runs in, made as `kubelab start` makes it: the learner's
    objects live there, never in the lab namespace itself."""
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.lesson_lab import ensure_lesson_namespace, lesson_namespace

    name = lesson_namespace(lab_namespace, lesson_id)
    with KubeClient(kubeconfig, None, name) as kube:
        ensure_lesson_namespace(kube, name, lab_namespace)
    return name


def grade_cmd(course: Path, namespace: str, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "kubelab", "grade", "nodeport/create", "--lessons", str(course),
        "--cluster", "context:kubelab-sim", "--namespace", namespace, "--yes", *extra,
    ]  # fmt: skip


def test_grade_reports_a_vanished_cluster_and_recovers(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    state = tmp_path / "sim-state.db"
    server = sim_factory("lab", state=state)
    course = slow_course(tmp_path)
    namespace = f"vanish-{secrets.token_hex(3)}"
    env = kubelab_env(tmp_path, server.kubeconfig)

    # `kubelab up` made the lab namespace (grade never creates a cluster)
    server.kubectl("create", "namespace", namespace, check=True)
    server.kubectl("label", "namespace", namespace, MANAGED, check=True)
    lesson_ns = start_lesson(server.kubeconfig, namespace, "nodeport")
    grading = subprocess.Popen(
        grade_cmd(course, namespace),
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(grading.stderr or []), daemon=True)
    reader.start()
    try:
        # wait until the grader is past attaching to the cluster and polling, then pull the plug
        deadline = time.monotonic() + 60
        while not any("checking context" in line for line in err_lines):
            assert grading.poll() is None, (grading.returncode, err_lines)
            assert time.monotonic() < deadline, f"the grader never started: {err_lines}"
            time.sleep(0.05)
        time.sleep(1.5)
        assert grading.poll() is None, "the grader ended before the cluster vanished"
        server.stop(signal.SIGKILL)
        out = grading.stdout.read() if grading.stdout else ""
        grading.wait(timeout=60)
        reader.join(timeout=10)
        err = "".join(err_lines)
    finally:
        if grading.poll() is None:
            grading.kill()
            grading.wait(timeout=10)
    assert grading.returncode == 2, out + err
    assert "Traceback" not in out + err
    assert any(word in out + err for word in UNREACHABLE_WORDS), out + err
    assert "ERROR" in out  # the check is an error, never a failure of the learner's work

    # the cluster comes back (same state, a fresh kubeconfig): grading works again
    server = sim_factory("lab", state=state)  # a fresh port: the old one may be taken meanwhile
    env = kubelab_env(tmp_path, server.kubeconfig)
    server.kubectl(
        "create", "service", "clusterip", "web", "--tcp=80:80", "-n", lesson_ns, check=True
    )
    server.kubectl("set", "selector", "service/web", "app=web", "-n", lesson_ns, check=True)
    again = subprocess.run(
        grade_cmd(course, namespace, "--no-wait"),
        env=env,
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Traceback" not in again.stderr


def test_grade_against_a_cluster_that_never_answers_is_exit_2(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """Nothing listening at all (the simulator was stopped before `kubelab grade` started)."""
    server = sim_factory("gone")
    server.stop(signal.SIGKILL)
    done = subprocess.run(
        grade_cmd(GOOD, f"gone-{secrets.token_hex(3)}", "--no-wait"),
        env=kubelab_env(tmp_path, server.kubeconfig),
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert any(word in done.stderr for word in UNREACHABLE_WORDS), done.stderr
    assert done.stderr.startswith("kubelab: ") or "\nkubelab: " in done.stderr
