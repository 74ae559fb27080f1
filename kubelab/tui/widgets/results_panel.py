"""The results panel: every check of the step with pass/fail, its message, and the diff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from kubelab.grading.results import StepResult

MARKS = {"passed": "✔", "failed": "✘", "error": "!", "skipped": "–"}
STYLES = {"passed": "green", "failed": "red", "error": "yellow", "skipped": "dim"}


def failed_text(failed: int, total: int) -> str:
    """`2 of 3 checks failed`, `the check failed` (one check), in correct English."""
    if total == 1:
        return "the check failed" if failed else "the check did not fail"
    return f"{failed} of {total} checks failed"


def inline_code(text: str, style: str = "") -> Text:
    """Text with Markdown's `code` spans shown as code (bold cyan), not as backticks."""
    shown = Text(style=style)
    for number, part in enumerate(text.split("`")):
        shown.append(part, style="bold cyan" if number % 2 else "")
    return shown


def render_result(result: StepResult | None, checking: bool = False) -> Text:
    """The panel's text: a header, then one entry per check (explain/diff/diagnosis on failure)."""
    text = Text()
    if result is None:
        text.append("Checking…" if checking else "Not checked yet: press c to check this step.")
        return text
    counts = {s: sum(1 for c in result.checks if c.status == s) for s in MARKS}
    if result.passed:
        text.append("✔ Step passed", style="bold green")
    elif result.status == "error":
        text.append("! The grader could not decide", style="bold yellow")
    elif result.status == "skipped":
        text.append("– Skipped on this cluster", style="bold")
    else:
        text.append(f"✘ {failed_text(counts['failed'], len(result.checks))}", style="bold red")
    if checking:
        text.append("  (re-checking…)", style="dim")
    for check in result.checks:
        text.append("\n")
        text.append(f"{MARKS[check.status]} ", style=STYLES[check.status])
        text.append(check.name, style="bold")
        text.append(f": {check.message}")
        if check.status in ("failed", "error"):
            if check.explain:
                text.append("\n    → ", style="italic")
                text.append_text(inline_code(check.explain, "italic"))
            for line in check.diagnosis:
                text.append(f"\n    ? {line}", style="yellow")
            if check.diff:
                for line in check.diff.rstrip("\n").splitlines():
                    style = {"-": "red", "+": "green"}.get(line[:1], "")
                    text.append(f"\n    {line}", style=style)
    return text


class ResultsPanel(Static):
    """Shows the latest grading of the open step."""

    def show(self, result: StepResult | None, checking: bool = False) -> None:
        self.update(render_result(result, checking))
