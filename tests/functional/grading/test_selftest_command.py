"""`kubelab test` against the simulator: broken fixture lessons are caught (exit 1), a correct
one passes (exit 0), and every test namespace is cleaned up."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kubelab.cluster.client import KubeClient

BROKEN = "tests/fixtures/courses/broken"
GOOD = "tests/fixtures/courses/good"


def live_test_namespaces(sim: Any) -> list[str]:
    with KubeClient(sim.kubeconfig, None, "default") as client:
        return [
            ns["metadata"]["name"]
            for ns in client.list("v1", "Namespace")
            if ns["metadata"]["name"].startswith("kl-test-")
            and not ns["metadata"].get("deletionTimestamp")
        ]


def selftest(run_kubelab: Callable[..., Any], lab_ns: str, course: str, *extra: str) -> Any:
    return run_kubelab(
        "test", "--lessons", course, "--cluster", "context:kubelab-sim", "--yes",
        "--namespace", lab_ns, *extra,
    )  # fmt: skip


def test_broken_lessons_are_caught(run_kubelab: Callable[..., Any], sim: Any, lab_ns: str) -> None:
    done = selftest(run_kubelab, lab_ns, BROKEN, "--report", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(done.stdout)
    checks = {
        c["name"]: c
        for lesson in report["lessons"]
        for step in lesson["steps"]
        for c in step["checks"]
    }
    cannot_fail = checks["the Service web exists [fails before the solution]"]
    assert cannot_fail["status"] == "failed" and "cannot tell" in cannot_fail["message"]
    unsatisfied = checks["the Service web selects app=frontend [passes after the solution]"]
    assert unsatisfied["status"] == "failed" and "does not satisfy" in unsatisfied["message"]
    assert live_test_namespaces(sim) == []


def test_a_correct_lesson_passes(run_kubelab: Callable[..., Any], sim: Any, lab_ns: str) -> None:
    done = selftest(run_kubelab, lab_ns, GOOD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    assert live_test_namespaces(sim) == []
