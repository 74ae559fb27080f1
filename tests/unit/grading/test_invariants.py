"""A step's `invariants`: checks that hold from their step on. They are graded with that step and
every later one and with the whole lesson, and the self-test does not require them to fail before
the solution. A whole lesson counts its earlier steps from the learner's record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelab.cluster.base import LabCluster
from kubelab.grading.actions import apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.engine import grade_step
from kubelab.grading.runner import grade_lesson
from kubelab.grading.selftest import run_selftest
from kubelab.lessons.loader import load_course

COURSE = load_course(Path(__file__).parents[2] / "fixtures" / "courses" / "invariants")
LOADED = COURSE.lessons[0]
LAB = LabCluster("sim", "kubelab", Path("/nonexistent/kubeconfig"), "kubelab", "lab")


def test_the_model_lists_the_invariants_in_force() -> None:
    lesson = LOADED.lesson
    assert COURSE.problems == []
    assert [c.name for c in lesson.invariants_through("create")] == ["web selects app=web"]
    assert [c.name for c in lesson.invariants_through("nodeport")] == ["web selects app=web"]


def test_the_selftest_checks_invariants_after_the_solution_only(fake: Any, build: Any) -> None:
    kubernetes = build.service("kubernetes", None, cluster_ip="10.96.0.1")
    kubernetes["metadata"]["namespace"] = "default"
    fake.add(kubernetes)
    report = run_selftest(LAB, COURSE.lessons, lambda ns: fake, jobs=1, interval=0.01)
    names = [c.name for c in report.lessons[0].checks]
    assert report.exit_code() == 0, [c.message for c in report.lessons[0].checks]
    assert names == [
        "web has port 80 [fails before the solution]",
        "web has port 80 [passes after the solution]",
        "web selects app=web [passes after the solution]",
        "web is a NodePort on the allocated port [fails before the solution]",
        "web is a NodePort on the allocated port [passes after the solution]",
        "web selects app=web [passes after the solution]",
    ]


def test_a_later_step_fails_when_an_invariant_breaks(fake: Any) -> None:
    bindings = allocate_bindings(fake, LOADED.lesson, "lab")
    try:
        for step in LOADED.lesson.steps:
            apply_actions(fake, LOADED, step.solution, bindings)
        assert grade_step(LAB, LOADED, "nodeport", bindings, fake, poll=False).passed
        service = fake.get("v1", "Service", "web", "lab")
        service["spec"]["selector"] = {"app": "other"}
        fake.add(service)
        result = grade_step(LAB, LOADED, "nodeport", bindings, fake, poll=False)
        failed = [c.name for c in result.checks if c.status == "failed"]
        assert failed == ["web selects app=web"]
    finally:
        release_bindings(bindings)


def test_a_whole_lesson_is_its_end_state_and_the_record(fake: Any) -> None:
    bindings = allocate_bindings(fake, LOADED.lesson, "lab")
    try:
        for step in LOADED.lesson.steps:
            apply_actions(fake, LOADED, step.solution, bindings)
        passed = grade_lesson(
            LAB, LOADED, bindings, fake, poll=False, recorded={"create": "2026-01-01T00:00:00"}
        )
        assert passed.passed
        assert "recorded progress" in passed.steps[0].checks[0].message
        unrecorded = grade_lesson(LAB, LOADED, bindings, fake, poll=False, recorded={})
        assert [s.status for s in unrecorded.steps] == ["failed", "passed"]
        assert "not passed yet" in unrecorded.steps[0].checks[0].message
    finally:
        release_bindings(bindings)
