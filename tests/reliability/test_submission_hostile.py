"""Hostile submissions through `kubelab grade --submission` (issue 15's reproductions): a symlink
loop and a FIFO are located failures of those files (no traceback, no hang), names with control
characters and terminal escapes reach neither the JUnit report (it stays well-formed XML) nor the
text report raw, SIGTERM (what `timeout` and a cancelled CI job send) removes the grading
namespace as Ctrl-C does, and a report is written on every exit."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_cluster_vanishes import GOOD, MANAGED, REPO, grade_cmd, kubelab_env, slow_course
from test_grade_interrupted import run_until_polling

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\n"


def lab(sim_factory: Callable[..., Any], tmp_path: Path) -> tuple[Any, str, dict[str, str]]:
    server = sim_factory("lab")
    namespace = f"hostile-{secrets.token_hex(3)}"
    server.kubectl("create", "namespace", namespace, check=True)
    server.kubectl("label", "namespace", namespace, MANAGED, check=True)
    return server, namespace, kubelab_env(tmp_path, server.kubeconfig)


def test_loops_fifos_and_control_characters_are_located_failures(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server, namespace, env = lab(sim_factory, tmp_path)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "loop-a.yaml").symlink_to("loop-b.yaml")
    (submission / "loop-b.yaml").symlink_to("loop-a.yaml")
    (submission / "self.yaml").symlink_to("self.yaml")
    os.mkfifo(submission / "pipe.yaml")
    (submission / "evil\x1b[2J.yaml").write_text(CONFIGMAP % 1)
    (submission / "bell\x07\x01.yaml").write_text(CONFIGMAP % 2)
    report = tmp_path / "out" / "report.xml"
    done = subprocess.run(
        grade_cmd(GOOD, namespace, "--submission", str(submission), "--report", "junit",
                  "--output", str(report)),
        env=env, cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stderr
    tree = ET.parse(report)  # well-formed XML
    failures = {
        case.get("name"): (case.find("failure").get("message") or "")  # type: ignore[union-attr]
        for case in tree.iter("testcase")
        if case.find("failure") is not None
    }
    for name in ("loop-a.yaml", "loop-b.yaml", "self.yaml"):
        assert "is a link that loops back on itself" in failures[f"apply {name}"], failures
    assert "is not a regular file (a FIFO)" in failures["apply pipe.yaml"], failures
    names = [case.get("name") for case in tree.iter("testcase")]
    assert "apply evil\\x1b[2J.yaml" in names, names
    assert "apply bell\\x07\\x01.yaml" in names, names
    text = report.read_text()
    assert "\x1b" not in text and "\x07" not in text and "\x01" not in text
    assert "kl-grade-" not in server.kubectl("get", "namespaces", "-o", "name").stdout


def test_sigterm_cleans_up_like_ctrl_c_and_writes_a_report(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server, namespace, env = lab(sim_factory, tmp_path)
    course = slow_course(tmp_path)
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "cm.yaml").write_text(CONFIGMAP % 1)
    report = tmp_path / "report.xml"
    cmd = grade_cmd(
        course, namespace, "--submission", str(submission), "--report", "junit",
        "--output", str(report),
    )  # fmt: skip
    process, lines = run_until_polling(cmd, env)
    try:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    time.sleep(0.2)
    err = "".join(lines)
    assert process.returncode == 143, (process.returncode, err)
    assert "kubelab: terminated" in err
    assert "Traceback" not in err
    left = server.kubectl("get", "namespaces", "-o", "name").stdout
    assert "kl-grade-" not in left, left
    errors = [case.find("error") for case in ET.parse(report).iter("testcase")]
    assert any(e is not None and "terminated (SIGTERM)" in (e.get("message") or "") for e in errors)


def test_a_report_is_written_when_the_cluster_is_not_there(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    server = sim_factory("gone")
    server.stop(signal.SIGKILL)
    report = tmp_path / "report.json"
    done = subprocess.run(
        grade_cmd(GOOD, "gone", "--no-wait", "--report", "json", "--output", str(report)),
        env=kubelab_env(tmp_path, server.kubeconfig), cwd=REPO, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert '"status": "error"' in report.read_text() or '"error"' in report.read_text()
    assert "could not grade" in report.read_text()


def test_an_object_named_dot_dot_is_that_files_failure(tmp_path: Path) -> None:
    """Found by the submission fuzzer: `metadata.name: ..` raised out of the grader."""
    from test_submission_symlinks import NoApi

    from kubelab.grading.submission import apply_submission

    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: '..'}\n")
    step = apply_submission(NoApi(), tmp_path, "lab", {"namespace": "lab"})
    (check,) = step.checks
    assert check.status == "failed"
    assert "metadata.name may not be '..'" in check.message
