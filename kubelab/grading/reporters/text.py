"""The terminal report: one line per check, details under failures; colour unless NO_COLOR."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from kubelab.grading.reporters.escaping import printable
from kubelab.grading.results import (
    VERDICT_WORDS,
    CheckResult,
    LessonResult,
    Report,
    Status,
    Verdict,
)

MARKS: dict[Status, tuple[str, str]] = {
    "passed": ("✔", "green"),
    "failed": ("✘", "red"),
    "error": ("!", "yellow"),
    "skipped": ("-", "bright_black"),
}


VERDICT_COLORS: dict[Verdict, str] = {"passed": "green", "failed": "red", "error": "yellow"}


def use_color(stream: TextIO | None = None) -> bool:
    """Colour for a terminal, never when NO_COLOR is set (https://no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)())


def _paint(text: str, color: str | None, enabled: bool, bold: bool = False) -> str:
    if not enabled:
        return text
    return click.style(text, fg=color, bold=bold)


def _check_lines(check: CheckResult, color: bool) -> list[str]:
    mark, fg = MARKS[check.status]
    head = f"  {_paint(mark, fg, color)} {printable(check.name)}"
    if check.status == "passed":
        return [head + _paint(f"  ({check.duration * 1000:.0f} ms)", "bright_black", color)]
    lines = [head]
    for i, text in enumerate(check.message.splitlines() or [""]):
        prefix = "      " if i else "    "
        lines.append(prefix + _paint(printable(text), fg if i == 0 else None, color))
    if check.status in ("failed", "error") and check.explain:
        lines.append("    " + _paint("hint: ", "cyan", color) + printable(check.explain))
    for cause in check.diagnosis:
        lines.append("    " + _paint("likely cause: ", "magenta", color) + printable(cause))
    if check.diff:
        for line in check.diff.splitlines():
            style = "red" if line.startswith("-") else "green" if line.startswith("+") else None
            lines.append("      " + _paint(printable(line), style, color))
    return lines


def _adjustment_lines(lesson: LessonResult, color: bool) -> list[str]:
    """Submitted objects kubelab did not apply as written (dropped, moved)."""
    if lesson.submission is None or not lesson.submission.adjustments:
        return []
    lines = [" " + _paint("!", "yellow", color) + " submitted objects not applied as written:"]
    for item in lesson.submission.adjustments:
        where = item.location.path + (
            "" if item.location.line is None else f":{item.location.line}"
        )
        lines.append("    " + printable(f"{item.action}: {item.object} ({where}): {item.detail}"))
    return lines


def render(report: Report, *, color: bool = False) -> str:
    lines: list[str] = []
    for lesson in report.lessons:
        where = f" (namespace {lesson.namespace})" if lesson.namespace else ""
        heading = printable(f"{lesson.lesson_id}: {lesson.title}{where}")
        lines.append(_paint(heading, None, color, bold=True))
        for step in lesson.steps:
            mark, fg = MARKS[step.status]
            shown = printable(f"step {step.step_id}: {step.title}")
            lines.append(f" {_paint(mark, fg, color)} {shown}")
            for check in step.checks:
                lines.extend(_check_lines(check, color))
        lines.extend(_adjustment_lines(lesson, color))
    word = VERDICT_WORDS[report.verdict]
    headline = report.headline()
    lines.append("")
    lines.append(
        _paint(word, VERDICT_COLORS[report.verdict], color, bold=True)
        + printable(headline[len(word) :])
    )
    return "\n".join(lines) + "\n"
