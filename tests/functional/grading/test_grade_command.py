"""`kubelab grade` end to end against the simulator (as a borrowed context): exit codes, reports,
progress recording, and user errors without tracebacks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOOD = "tests/fixtures/courses/good"


def grade_args(lab_ns: str, *args: str) -> list[str]:
    return [
        "grade",
        *args,
        "--lessons",
        GOOD,
        "--cluster",
        "context:kubelab-sim",
        "--namespace",
        lab_ns,
        "--yes",
    ]


def lesson_namespace(sim_kubeconfig: Path, lab_ns: str, lesson_id: str) -> str:
    """The namespace lesson `lesson_id` runs in (as `kubelab start` makes it)."""
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.lesson_lab import ensure_lesson_namespace, lesson_namespace

    name = lesson_namespace(lab_ns, lesson_id)
    with KubeClient(sim_kubeconfig, None, name) as kube:
        ensure_lesson_namespace(kube, name, lab_ns)
    return name


def test_fail_then_pass_records_progress(
    run_kubelab: Callable[..., Any],
    kubectl: Callable[..., Any],
    lab_ns: str,
    tmp_path: Path,
    sim: Any,
) -> None:
    failed = run_kubelab(*grade_args(lab_ns, "nodeport/create", "--no-wait", "--report", "json"))
    assert failed.returncode == 1, failed.stderr
    report = json.loads(failed.stdout)
    assert report["passed"] is False
    (check,) = report["lessons"][0]["steps"][0]["checks"]
    assert check["status"] == "failed" and "not found" in check["message"]
    ns = lesson_namespace(sim.kubeconfig, lab_ns, "nodeport")
    kubectl("create", "service", "clusterip", "web", "--tcp=80:80", "-n", ns, check=True)
    kubectl("set", "selector", "service/web", "app=web", "-n", ns, check=True)
    passed = run_kubelab(*grade_args(lab_ns, "nodeport/create"))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "PASSED" in passed.stdout and "\x1b[" not in passed.stdout
    progress = json.loads((tmp_path / "state" / "progress.json").read_text())
    step = progress["lessons"]["nodeport"]["steps"]["create"]
    assert step["passed_at"] and step["attempts"] == 2
    # the lesson's binding was allocated once and is kept for later grading
    assert 30000 <= progress["lessons"]["nodeport"]["bindings"]["web_node_port"] <= 32767


def test_junit_report_to_a_file(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "grade.xml"
    done = run_kubelab(
        *grade_args(lab_ns, "nodeport", "--no-wait", "--report", "junit", "--output", str(out))
    )
    assert done.returncode == 1
    text = out.read_text()
    assert text.startswith("<?xml") and 'failures="2"' in text
    assert "FAILED" in done.stderr  # a summary for the person watching


def test_user_errors_exit_2_without_traceback(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    typo = run_kubelab(*grade_args(lab_ns, "nodeprot"))
    assert typo.returncode == 2 and "did you mean 'nodeport'" in typo.stderr
    no_step = run_kubelab(*grade_args(lab_ns, "nodeport/nope"))
    assert no_step.returncode == 2 and "its steps: create, nodeport" in no_step.stderr
    no_current = run_kubelab(*grade_args(lab_ns))
    assert no_current.returncode == 2 and "no current lesson" in no_current.stderr
    for done in (typo, no_step, no_current):
        assert "Traceback" not in done.stderr


def test_unreachable_cluster_is_exit_2(
    run_kubelab: Callable[..., Any], sim: Any, tmp_path: Path
) -> None:
    dead = tmp_path / "dead.kubeconfig"
    dead.write_text(Path(sim.kubeconfig).read_text().replace(sim.server, "https://127.0.0.1:9"))
    done = run_kubelab(
        *grade_args("unreachable", "nodeport", "--no-wait"),
        env_kubeconfig=str(dead),
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_no_lesson_grades_the_current_step_and_moves_on(
    run_kubelab: Callable[..., Any],
    kubectl: Callable[..., Any],
    lab_ns: str,
    tmp_path: Path,
    sim: Any,
) -> None:
    from kubelab.progress import ProgressStore

    store = ProgressStore(tmp_path / "state" / "progress.json")
    store.set_current("nodeport", "create")
    ns = lesson_namespace(sim.kubeconfig, lab_ns, "nodeport")
    kubectl("create", "service", "clusterip", "web", "--tcp=80:80", "-n", ns, check=True)
    kubectl("set", "selector", "service/web", "app=web", "-n", ns, check=True)
    done = run_kubelab(*grade_args(lab_ns))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "step create" in done.stdout and "step nodeport" not in done.stdout
    assert "next step: nodeport/nodeport" in done.stderr
    progress = store.load()
    assert progress.current_step == "nodeport" and progress.passed("nodeport", "create")


def test_grade_never_provisions_a_cluster_that_is_not_up(
    run_kubelab: Callable[..., Any], kubectl: Callable[..., Any], sim: Any, tmp_path: Path
) -> None:
    """Grading the live state reads the cluster as it is: a lab namespace that `kubelab up` has
    not created is exit 2 with the `kubelab up` line to run, and nothing is created."""
    namespace = "lab-not-up-" + tmp_path.name[-6:].lower().replace("_", "-").strip("-")
    done = run_kubelab(*grade_args(namespace, "nodeport", "--no-wait"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "using context:kubelab-sim (--cluster context:kubelab-sim)" in done.stderr
    assert f"namespace {namespace} does not exist" in done.stderr
    assert (
        f"hint: run `kubelab up --cluster context:kubelab-sim --namespace {namespace}` first"
        in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert kubectl("get", "namespace", namespace).returncode != 0, "grade created the namespace"
    up = run_kubelab("up", "--cluster", "context:kubelab-sim", "--namespace", namespace, "--yes")
    try:
        assert up.returncode == 0, up.stderr
        graded = run_kubelab(*grade_args(namespace, "nodeport/create", "--no-wait"))
        assert graded.returncode == 1, graded.stdout + graded.stderr
    finally:
        kubectl("delete", "namespace", namespace, "--wait=false")


def test_grade_does_not_start_the_simulator(
    run_kubelab: Callable[..., Any], tmp_path: Path
) -> None:
    done = run_kubelab("grade", "nodeport", "--lessons", GOOD, "--cluster", "sim")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "the lab cluster sim is not up: the simulator is not running" in done.stderr
    assert "hint: run `kubelab up --cluster sim` first" in done.stderr
    assert not (tmp_path / "state" / "sim" / "sim.pid").exists()


def test_ctrl_c_while_polling_exits_130_at_once(
    run_kubelab: Callable[..., Any], sim: Any, lab_ns: str, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    env = {
        **os.environ,
        "KUBECONFIG": str(sim.kubeconfig),
        "KUBELAB_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        "NO_COLOR": "1",
    }
    import shutil

    course = tmp_path / "slow"
    shutil.copytree(Path(GOOD), course)
    for lesson in (course / "lessons").glob("*.yaml"):
        lesson.write_text(lesson.read_text().replace("timeout: 3", "timeout: 600"))
    args = grade_args(lab_ns, "nodeport")
    args[args.index(GOOD)] = str(course)
    process = subprocess.Popen(
        [sys.executable, "-m", "kubelab", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3.0)  # started, and polling checks that fail (600 s timeouts)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGINT)
        # checks that kept polling would hold the exit for their 600 s timeouts
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 130, out + err
    assert "kubelab: interrupted" in err and "Traceback" not in err


def test_progress_that_cannot_be_saved_is_a_warning(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    (tmp_path / "state" / "progress.json").mkdir(parents=True)
    done = run_kubelab(*grade_args(lab_ns, "nodeport/create", "--no-wait"))
    assert done.returncode == 1, done.stdout + done.stderr  # the verdict, not a crash
    assert "kubelab: progress not saved" in done.stderr and "Traceback" not in done.stderr
    assert "FAILED" in done.stdout
