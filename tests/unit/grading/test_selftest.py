"""The self-test against the in-memory cluster: broken fixture lessons are caught, a good one
passes, namespaces are cleaned up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kubelab.cluster.base import LabCluster
from kubelab.grading.selftest import run_selftest
from kubelab.lessons.loader import load_course

COURSES = Path(__file__).parents[2] / "fixtures" / "courses"
LAB = LabCluster("sim", "kubelab", Path("/nonexistent/kubeconfig"), "kubelab", "lab")


def checks_by_name(report: Any, lesson_id: str) -> dict[str, Any]:
    lesson = next(item for item in report.lessons if item.lesson_id == lesson_id)
    return {c.name: c for c in lesson.checks}


def seed_cluster(fake: Any, build: Any) -> None:
    """The `kubernetes` Service in `default`, as every cluster has it."""
    kubernetes = build.service("kubernetes", None, cluster_ip="10.96.0.1")
    kubernetes["metadata"]["namespace"] = "default"
    fake.add(kubernetes)


def test_broken_lessons_are_caught(fake: Any, build: Any) -> None:
    seed_cluster(fake, build)
    course = load_course(COURSES / "broken")
    report = run_selftest(LAB, course.lessons, lambda ns: fake, jobs=1, interval=0.01)
    assert report.exit_code() == 1
    cannot_fail = checks_by_name(report, "cannot-fail")
    before = cannot_fail["the Service web exists [fails before the solution]"]
    assert before.status == "failed" and "cannot tell" in before.message
    assert cannot_fail["the Service web exists [passes after the solution]"].status == "passed"
    unsatisfied = checks_by_name(report, "unsatisfied")
    after = unsatisfied["the Service web selects app=frontend [passes after the solution]"]
    assert after.status == "failed"
    assert "does not satisfy" in after.message and "spec.selector.app" in after.message
    assert after.diff and "frontend" in after.diff
    # every test namespace is gone
    assert not [k for k in fake.objects if k[0] == "Namespace"]


def test_good_lesson_passes_with_bindings(fake: Any, build: Any) -> None:
    seed_cluster(fake, build)
    course = load_course(COURSES / "good")
    report = run_selftest(LAB, course.lessons, lambda ns: fake, jobs=1, interval=0.01)
    assert report.exit_code() == 0, [c.message for c in report.lessons[0].checks]
    names = [c.name for c in report.lessons[0].checks]
    assert names == [
        "the Service web selects app=web [fails before the solution]",
        "the Service web selects app=web [passes after the solution]",
        "web is a NodePort on the allocated port [fails before the solution]",
        "web is a NodePort on the allocated port [passes after the solution]",
    ]
    assert report.lessons[0].namespace and report.lessons[0].namespace.startswith("kl-test-")


def test_unreachable_cluster_is_an_error_not_a_failure(fake: Any) -> None:
    fake.unreachable = True
    course = load_course(COURSES / "good")
    report = run_selftest(LAB, course.lessons, lambda ns: fake, jobs=1)
    assert report.exit_code() == 2
