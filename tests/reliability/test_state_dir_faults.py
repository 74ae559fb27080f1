"""A state dir kubelab cannot write: `kubelab grade` still grades and reports (its own exit code,
a warning that progress was not saved, no traceback); a state dir that cannot be created is a
clear error (exit 2)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_cluster_vanishes import GOOD, MANAGED, REPO, kubelab_env, start_lesson


def grade(env: dict[str, str], namespace: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubelab", "grade", "nodeport/create", "--no-wait",
         "--lessons", str(GOOD), "--cluster", "context:kubelab-sim", "--namespace", namespace,
         *extra],
        env=env, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_grade_reports_when_progress_cannot_be_saved(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server = sim_factory("lab")
    namespace = f"nosave-{secrets.token_hex(3)}"
    server.kubectl("create", "namespace", namespace, check=True)
    server.kubectl("label", "namespace", namespace, MANAGED, check=True)
    lesson_ns = start_lesson(server.kubeconfig, namespace, "nodeport")
    env = kubelab_env(tmp_path, server.kubeconfig)
    (tmp_path / "state" / "progress.json").mkdir(parents=True)  # cannot be replaced by a file
    failed = grade(env, namespace)
    assert failed.returncode == 1, failed.stdout + failed.stderr  # the learner's verdict
    assert "Traceback" not in failed.stderr
    assert "progress" in failed.stderr and "not saved" in failed.stderr, failed.stderr
    server.kubectl(
        "create", "service", "clusterip", "web", "--tcp=80:80", "-n", lesson_ns, check=True
    )
    server.kubectl("set", "selector", "service/web", "app=web", "-n", lesson_ns, check=True)
    passed = grade(env, namespace)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASSED" in passed.stdout and "Traceback" not in passed.stderr


def test_a_state_dir_that_cannot_be_created_is_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = kubelab_env(tmp_path, tmp_path / "no-kubeconfig")
    env["KUBELAB_STATE_DIR"] = str(blocker / "state")
    done = grade(env, "anything")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert str(blocker / "state") in done.stderr
