"""GitHub Actions: a Markdown step summary (the headline, a table of every check with its points,
the submitted objects not applied as written) and workflow-command annotations (`::error
file=...,line=...::`) for failed and errored checks, naming the submitted file when it is known
(https://docs.github.com/actions/reference/workflow-commands-for-github-actions)."""

from __future__ import annotations

from kubelab.grading.results import Location, Report

MARKS = {"passed": "✅", "failed": "❌", "error": "⚠️", "skipped": "➖"}


def _cell(text: str) -> str:
    """Table-cell text: one line, `|` escaped, HTML-significant characters neutralised."""
    flat = " ".join(text.split())
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def _where(location: Location | None) -> str:
    if location is None:
        return ""
    return location.path + ("" if location.line is None else f":{location.line}")


def summary(report: Report) -> str:
    """The step summary: Markdown appended to `$GITHUB_STEP_SUMMARY`."""
    lines = [f"### kubelab {report.mode}: {_cell(report.headline())}", ""]
    for lesson in report.lessons:
        lines += [f"#### {_cell(lesson.lesson_id)}: {_cell(lesson.title)}", ""]
        lines += ["| | check | step | points | file | message |", "|---|---|---|---|---|---|"]
        for step in lesson.steps:
            for check in step.checks:
                lines.append(
                    f"| {MARKS[check.status]} | {_cell(check.name)} | {_cell(step.step_id)} | "
                    f"{check.earned:g}/{check.points:g} | {_cell(_where(check.location))} | "
                    f"{_cell(check.message)} |"
                )
        lines.append("")
        if lesson.submission is not None and lesson.submission.adjustments:
            lines += ["Submitted objects not applied as written:", ""]
            lines += [
                f"- {item.action}: `{_cell(item.object)}` ({_cell(_where(item.location))}): "
                f"{_cell(item.detail)}"
                for item in lesson.submission.adjustments
            ]
            lines.append("")
    return "\n".join(lines) + "\n"


def _data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped (the runner's escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value: also `:` and `,` escaped (escapeProperty)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _command(level: str, title: str, message: str, location: Location | None) -> str:
    properties = []
    if location is not None:
        properties.append(f"file={_property(location.path)}")
        if location.line is not None:
            properties.append(f"line={location.line}")
    properties.append(f"title={_property(title)}")
    return f"::{level} {','.join(properties)}::{_data(message)}"


def workflow_commands(report: Report) -> str:
    """`::error` for each failed or errored check, `::warning` for each submitted object not
    applied as written, and an `::error` saying why a run could not grade at all."""
    lines = []
    if report.error is not None:
        lines.append(
            _command("error", f"kubelab {report.mode}: could not grade", report.error, None)
        )
    for lesson in report.lessons:
        for check in lesson.checks:
            if check.status in ("failed", "error"):
                lines.append(
                    _command("error", check.name, check.details(diff=False), check.location)
                )
        if lesson.submission is not None:
            for item in lesson.submission.adjustments:
                title = f"{item.object} {item.action}"
                lines.append(_command("warning", title, item.detail, item.location))
    return "".join(line + "\n" for line in lines)
