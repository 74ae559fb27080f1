"""One consistent headline in every format: the verdict, score = points earned / points possible,
and the counts; points per check in JSON and JUnit with totals; a report for a run that could not
grade at all."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from hypothesis import given
from hypothesis import strategies as st

from kubelab.grading.reporters import render
from kubelab.grading.results import CheckResult, LessonResult, Report, Status, StepResult

SCHEMA = Path(__file__).parents[2] / "fixtures" / "junit" / "junit.xsd"
STATUSES: list[Status] = ["passed", "failed", "error", "skipped"]


def report_of(checks: list[tuple[Status, float]]) -> Report:
    step = StepResult("lesson", "step", "Step")
    step.checks = [
        CheckResult(f"check {i}", "assert", status, f"{status}", points=points)
        for i, (status, points) in enumerate(checks)
    ]
    return Report("grade", [LessonResult("lesson", "Lesson", [step])])


@given(
    st.lists(
        st.tuples(st.sampled_from(STATUSES), st.sampled_from([0.5, 1.0, 2.0, 3.0, 10.0, 1000.0])),
        max_size=12,
    )
)
def test_the_verdict_score_and_counts_never_contradict(checks: list[tuple[Status, float]]) -> None:
    report = report_of(checks)
    data = json.loads(render(report, "json"))
    text = render(report, "text").splitlines()[-1]
    verdict = data["status"]
    assert verdict in ("passed", "failed", "error")
    assert text.startswith({"passed": "PASSED", "failed": "FAILED", "error": "ERROR"}[verdict])
    assert data["passed"] == (verdict == "passed") == (report.exit_code() == 0)
    assert data["headline"] == text
    graded = [(s, p) for s, p in checks if s != "skipped"]
    possible = sum(p for _, p in graded)
    earned = sum(p for s, p in graded if s == "passed")
    assert data["points"] == {"earned": earned, "possible": possible}
    if possible:
        assert data["score"] == round(earned / possible, 4)
        assert f"{earned:g}/{possible:g} points" in text
    else:
        assert data["score"] is None and "no points graded" in text
    if verdict == "passed" and graded:
        assert data["score"] == 1.0 and "(100%)" in text
    elif verdict == "passed":
        assert data["score"] is None
    else:
        assert data["score"] is not None and data["score"] < 1.0
        assert "100%" not in text
    for status in STATUSES:
        count = sum(1 for s, _ in checks if s == status)
        assert data["counts"][status] == count
        assert (f"{count} {status}" in text) == bool(count)


def test_a_failed_check_among_many_never_rounds_to_100_percent() -> None:
    report = report_of([("passed", 1.0)] * 299 + [("failed", 1.0)])
    assert report.headline().startswith("FAILED  score 299/300 points (>99%)")


def test_a_run_that_could_not_grade_says_error_in_every_format() -> None:
    report = Report("grade", cluster="sim:kubelab", error="no lesson 'services-101'")
    assert report.exit_code() == 2
    text = render(report, "text")
    assert text.strip().splitlines()[-1] == (
        "ERROR (could not grade)  score no points graded  (no checks): no lesson 'services-101'"
    )
    data = json.loads(render(report, "json"))
    assert data["status"] == "error" and data["passed"] is False and data["score"] is None
    assert data["error"] == "no lesson 'services-101'"
    junit = render(report, "junit")
    xmlschema.XMLSchema(SCHEMA).validate(junit)
    root = ET.fromstring(junit)
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
    error = root.find("testsuite/testcase/error")
    assert error is not None and error.get("message") == "no lesson 'services-101'"


def test_points_are_junit_properties_with_totals() -> None:
    report = report_of([("passed", 2.0), ("failed", 3.0), ("skipped", 5.0)])
    junit = render(report, "junit")
    xmlschema.XMLSchema(SCHEMA).validate(junit)
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(junit).iter("property")}
    assert properties["points.earned"] == "2" and properties["points.possible"] == "5"
    assert properties["score"] == "0.4000"
    assert properties["points: lesson.step check 0"] == "2/2"
    assert properties["points: lesson.step check 1"] == "0/3"
    assert properties["points: lesson.step check 2"] == "0/5"
    checks = json.loads(render(report, "json"))["lessons"][0]["steps"][0]["checks"]
    assert [(c["points"], c["earned"]) for c in checks] == [(2, 2), (3, 0), (5, 0)]
