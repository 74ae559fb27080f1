"""`--report FORMAT[:PATH]` (repeatable) and `--output FILE`: where each report goes, and the
contradictions refused as usage errors."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from kubelab.commands.report_output import ReportTarget, report_targets


def test_default_is_text_on_stdout() -> None:
    assert report_targets((), None) == [ReportTarget("text", None)]


def test_formats_with_and_without_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", "/tmp/summary.md")
    targets = report_targets(("junit:reports/k.xml", "json:k.json", "github", "text"), None)
    assert targets == [
        ReportTarget("junit", Path("reports/k.xml")),
        ReportTarget("json", Path("k.json")),
        ReportTarget("github", Path("/tmp/summary.md")),
        ReportTarget("text", None),
    ]


def test_the_older_output_flag_names_the_one_report_without_a_path() -> None:
    assert report_targets(("junit",), Path("r.xml")) == [ReportTarget("junit", Path("r.xml"))]
    assert report_targets((), Path("r.txt")) == [ReportTarget("text", Path("r.txt"))]


@pytest.mark.parametrize(
    ("values", "output", "says"),
    [
        (("xml",), None, "not a report format"),
        (("json", "junit"), None, "only one report can go to stdout"),
        (("json", "junit"), Path("x"), "exactly one --report without a :PATH"),
        (("json:a", "junit:a"), None, "same file"),
        (("github:s.md", "json"), None, "give the json or junit report a PATH"),
        (("github:a.md", "github:b.md"), None, "once"),
    ],
)
def test_contradictions_are_usage_errors(
    values: tuple[str, ...], output: Path | None, says: str
) -> None:
    with pytest.raises(click.UsageError, match=says):
        report_targets(values, output)


def test_github_outside_actions_needs_a_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    with pytest.raises(click.UsageError, match="GITHUB_STEP_SUMMARY is not set"):
        report_targets(("github",), None)
    assert report_targets(("github:s.md",), None) == [ReportTarget("github", Path("s.md"))]
