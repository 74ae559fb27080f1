"""Reporters: JSON shape, JUnit against the common schema, text with and without colour."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from kubelab.grading.reporters import render
from kubelab.grading.reporters.text import use_color
from kubelab.grading.results import CheckResult, LessonResult, Report, StepResult

SCHEMA = Path(__file__).parents[2] / "fixtures" / "junit" / "junit.xsd"


def sample() -> Report:
    step1 = StepResult("services-101", "create", "Create the Service")
    step1.checks = [
        CheckResult("svc exists", "assert", "passed", "Service my-nginx matches", duration=0.01),
        CheckResult(
            "selector <right>",
            "assert",
            "failed",
            "Service my-nginx: spec.selector.run should be my-nginx; it is nginx",
            explain="does the selector match the pods' labels?",
            diff="--- expected\n+++ actual\n-    run: my-nginx\n+    run: nginx",
            diagnosis=["Service my-nginx selects run=nginx, but no pod has those labels"],
            points=2,
        ),
    ]
    step2 = StepResult("services-101", "lb", "LoadBalancer")
    step2.checks = [
        CheckResult("lb", "http", "skipped", "skipped: loadbalancer: none"),
        CheckResult("dns", "dns", "error", "the cluster at https://127.0.0.1:1 does not answer"),
    ]
    return Report("grade", [LessonResult("services-101", "Services", [step1, step2], "lab")])


def test_report_status_score_and_exit_codes() -> None:
    report = sample()
    assert report.status == "error" and report.exit_code() == 2 and not report.passed
    assert report.score == pytest.approx(1 / 4)  # points 1 (pass) + 2 (fail) + 1 (error)
    report.lessons[0].steps.pop()
    assert report.exit_code() == 1
    report.lessons[0].steps[0].checks.pop()
    assert report.exit_code() == 0 and report.passed and report.score == 1.0


def test_json_report_shape() -> None:
    data = json.loads(render(sample(), "json"))
    assert data["passed"] is False and data["status"] == "error"
    assert data["counts"] == {"passed": 1, "failed": 1, "error": 1, "skipped": 1}
    lesson = data["lessons"][0]
    assert lesson["id"] == "services-101" and lesson["namespace"] == "lab"
    failed = lesson["steps"][0]["checks"][1]
    assert failed["status"] == "failed" and failed["diff"].startswith("--- expected")
    assert failed["diagnosis"] and failed["explain"]


def test_junit_validates_against_the_common_schema() -> None:
    text = render(sample(), "junit")
    xmlschema.XMLSchema(SCHEMA).validate(text)
    root = ET.fromstring(text)
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "services-101"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    assert suite.get("skipped") == "1"
    cases = suite.findall("testcase")
    assert [c.get("classname") for c in cases] == ["services-101.create"] * 2 + [
        "services-101.lb"
    ] * 2
    failure = cases[1].find("failure")
    assert failure is not None and "spec.selector.run" in str(failure.get("message"))
    assert "+    run: nginx" in str(failure.text) and "likely cause" in str(failure.text)
    assert cases[3].find("error") is not None and cases[2].find("skipped") is not None


def test_junit_schema_rejects_a_malformed_report() -> None:
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        xmlschema.XMLSchema(SCHEMA).validate("<testsuites><testsuite name='x'/></testsuites>")


def test_text_report_with_and_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = render(sample(), "text")
    assert "\x1b[" not in plain
    assert "✘ selector <right>" in plain and "hint: does the selector" in plain
    assert "likely cause: Service my-nginx selects" in plain
    assert "ERROR (could not grade)" in plain
    coloured = render(sample(), "text", color=True)
    assert "\x1b[" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color() is False
