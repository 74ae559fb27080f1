"""Ctrl-C during `kubelab grade`: exit 130 (interrupted; never 1, which means "a check failed"),
no traceback, and a `--submission` grading namespace is removed."""

from __future__ import annotations

import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_cluster_vanishes import MANAGED, REPO, grade_cmd, kubelab_env, slow_course


def run_until_polling(
    cmd: list[str], env: dict[str, str]
) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stderr or []), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any("checking context" in line for line in lines):
        assert process.poll() is None, (process.returncode, lines)
        assert time.monotonic() < deadline, f"the grader never started: {lines}"
        time.sleep(0.05)
    time.sleep(1.5)  # polling a check with a 60 s timeout
    assert process.poll() is None
    return process, lines


def test_ctrl_c_while_grading_exits_130(sim_factory: Callable[..., Any], tmp_path: Path) -> None:
    server = sim_factory("lab")
    namespace = f"intr-{secrets.token_hex(3)}"
    server.kubectl("create", "namespace", namespace, check=True)
    server.kubectl("label", "namespace", namespace, MANAGED, check=True)
    course = slow_course(tmp_path)
    env = kubelab_env(tmp_path, server.kubeconfig)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    for extra in ((), ("--submission", str(submission))):
        process, lines = run_until_polling(grade_cmd(course, namespace, *extra), env)
        try:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        time.sleep(0.2)
        err = "".join(lines)
        assert process.returncode == 130, (extra, process.returncode, err)
        assert "Traceback" not in err
    left = server.kubectl("get", "namespaces", "-o", "name").stdout
    assert "kl-grade-" not in left, left
