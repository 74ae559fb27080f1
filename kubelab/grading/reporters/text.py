"""The terminal report: one line per check, details under failures; colour unless NO_COLOR."""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from kubelab.grading.reporters.escaping import printable
from kubelab.grading.results import CheckResult, Report, Status

MARKS: dict[Status, tuple[str, str]] = {
    "passed": ("✔", "green"),
    "failed": ("✘", "red"),
    "error": ("!", "yellow"),
    "skipped": ("-", "bright_black"),
}


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
    counts = report.to_dict()["counts"]
    summary = ", ".join(f"{n} {status}" for status, n in counts.items() if n)
    verdict = {
        0: ("PASSED", "green"),
        1: ("FAILED", "red"),
        2: ("ERROR (could not grade)", "yellow"),
    }[report.exit_code()]
    lines.append("")
    lines.append(
        _paint(verdict[0], verdict[1], color, bold=True)
        + f"  score {report.score * 100:.0f}%  ({summary or 'no checks'})"
    )
    return "\n".join(lines) + "\n"
