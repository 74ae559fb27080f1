"""JUnit XML: a testsuite per lesson, a testcase per check (classname `lesson.step`); failures and
errors carry the message, the diff and the diagnosis. Follows the schema CI systems read (Jenkins'
junit-10.xsd, which GitLab, GitHub test-report actions and Azure accept)."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from kubelab.grading.reporters.escaping import xml_safe
from kubelab.grading.results import CheckResult, Report


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _details(check: CheckResult) -> str:
    parts = [check.message]
    if check.explain:
        parts.append(f"hint: {check.explain}")
    parts.extend(f"likely cause: {d}" for d in check.diagnosis)
    if check.diff:
        parts.append(check.diff)
    return xml_safe("\n".join(parts))


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
        ET.SubElement(suite, "properties")
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
                    node.text = _details(check)
                elif check.status == "error":
                    node = ET.SubElement(
                        case, "error", message=xml_safe(check.message), type=check.kind
                    )
                    node.text = _details(check)
                elif check.status == "skipped":
                    ET.SubElement(case, "skipped", message=xml_safe(check.message))
        ET.SubElement(suite, "system-out").text = ""
        ET.SubElement(suite, "system-err").text = ""
    for key, value in totals.items():
        if key != "skipped":
            root.set(key, str(value))
    root.set("time", _seconds(total_time))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
