"""JUnit XML: a testsuite per lesson, a testcase per check (classname `lesson.step`); failures and
errors carry the message, the diff and the diagnosis. Follows the schema CI systems read (Jenkins'
junit-10.xsd, which GitLab, GitHub test-report actions and Azure accept): that schema has no
properties on a testcase, so points are suite properties (`points.earned`, `points.possible`,
`score`, and `points: CLASSNAME NAME` = `earned/possible` per check). A run that could not grade
at all is a suite `kubelab` with one errored testcase carrying why."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from kubelab.grading.reporters.escaping import xml_safe
from kubelab.grading.results import LessonResult, Points, Report


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _properties(suite: ET.Element, lesson: LessonResult) -> None:
    properties = ET.SubElement(suite, "properties")

    def add(name: str, value: str) -> None:
        ET.SubElement(properties, "property", name=xml_safe(name), value=xml_safe(value))

    points = Points.of(lesson.checks)
    add("points.earned", f"{points.earned:g}")
    add("points.possible", f"{points.possible:g}")
    score = points.score
    add("score", "" if score is None else f"{score:.4f}")
    for step in lesson.steps:
        for check in step.checks:
            add(
                f"points: {lesson.lesson_id}.{step.step_id} {check.name}",
                f"{check.earned:g}/{check.points:g}",
            )


def _error_suite(root: ET.Element, report: Report, stamp: str) -> None:
    """The run could not grade: one errored testcase, so CI shows why instead of no tests."""
    suite = ET.SubElement(
        root, "testsuite", name="kubelab", tests="1", failures="0", errors="1", skipped="0",
        time=_seconds(0.0), timestamp=stamp, hostname=socket.gethostname() or "localhost",
        id=str(len(report.lessons)), package="kubelab",
    )  # fmt: skip
    case = ET.SubElement(suite, "testcase", name=f"kubelab {report.mode}", classname="kubelab")
    node = ET.SubElement(case, "error", message=xml_safe(report.error or ""), type="error")
    node.text = xml_safe(report.headline())


def _adjustments(lesson: LessonResult) -> str:
    if lesson.submission is None:
        return ""
    return xml_safe(
        "".join(
            f"{a.action}: {a.object} ({a.location.path}"
            f"{'' if a.location.line is None else f':{a.location.line}'}): {a.detail}\n"
            for a in lesson.submission.adjustments
        )
    )


def render(report: Report) -> str:
    root = ET.Element("testsuites", name=xml_safe(f"kubelab {report.mode}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    for index, lesson in enumerate(report.lessons):
        checks = lesson.checks
        counts = {
            "tests": len(checks),
            "failures": sum(1 for c in checks if c.status == "failed"),
            "errors": sum(1 for c in checks if c.status == "error"),
            "skipped": sum(1 for c in checks if c.status == "skipped"),
        }
        for key, value in counts.items():
            totals[key] += value
        total_time += lesson.duration
        suite = ET.SubElement(
            root,
            "testsuite",
            name=xml_safe(lesson.lesson_id),
            tests=str(counts["tests"]),
            failures=str(counts["failures"]),
            errors=str(counts["errors"]),
            skipped=str(counts["skipped"]),
            time=_seconds(lesson.duration),
            timestamp=stamp,
            hostname=socket.gethostname() or "localhost",
            id=str(index),
            package="kubelab",
        )
        _properties(suite, lesson)
        for step in lesson.steps:
            for check in step.checks:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=xml_safe(check.name),
                    classname=xml_safe(f"{lesson.lesson_id}.{step.step_id}"),
                    time=_seconds(check.duration),
                )
                if check.status == "failed":
                    node = ET.SubElement(
                        case, "failure", message=xml_safe(check.message), type=check.kind
                    )
                    node.text = xml_safe(check.details())
                elif check.status == "error":
                    node = ET.SubElement(
                        case, "error", message=xml_safe(check.message), type=check.kind
                    )
                    node.text = xml_safe(check.details())
                elif check.status == "skipped":
                    ET.SubElement(case, "skipped", message=xml_safe(check.message))
        ET.SubElement(suite, "system-out").text = _adjustments(lesson)
        ET.SubElement(suite, "system-err").text = ""
    if report.error is not None:
        _error_suite(root, report, stamp)
        totals["tests"] += 1
        totals["errors"] += 1
    for key, value in totals.items():
        if key != "skipped":
            root.set(key, str(value))
    root.set("time", _seconds(total_time))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
