"""Where `kubelab grade` and `kubelab test` write their reports: `--report FORMAT[:PATH]`,
repeatable (text, json, junit, github), and the older `--output FILE` for the one report without
a PATH.

- A report without a PATH goes to stdout (only one may); with one, to that file.
- `github` appends a Markdown summary to PATH, else to `$GITHUB_STEP_SUMMARY`, and prints
  `::error` annotations on stdout (where the Actions runner reads workflow commands).
- When no text report is asked for, the text report goes to stderr, so a CI log shows it.
- Every exit writes the reports asked for: a run that could not grade (exit 2: no such lesson,
  cluster down) or was interrupted writes reports whose verdict is `error` and says why.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import click

from kubelab.cluster.base import ClusterError
from kubelab.commands.exits import CommandFailed, Terminated, fail, fail_cluster
from kubelab.grading.reporters import RENDERERS, render
from kubelab.grading.reporters.github import summary, workflow_commands
from kubelab.grading.reporters.text import use_color
from kubelab.grading.results import Report

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = (*RENDERERS, "github")
"""Every renderer's name, and github (a summary file plus annotations on stdout)."""
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class ReportTarget:
    fmt: str
    path: Path | None
    """None: stdout (for github: its annotations; the summary always goes to a file)."""


def report_options(command: F) -> F:
    """Add `--report FORMAT[:PATH]` (repeatable) and `--output FILE` (as `reports`, `output`)."""
    command = click.option(
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the one --report given without a PATH to FILE.",
    )(command)
    command = click.option(
        "--report",
        "reports",
        multiple=True,
        metavar="FORMAT[:PATH]",
        help="text, json, junit or github, to PATH (default stdout; github: its summary to "
        f"${SUMMARY_ENV}, annotations on stdout). Repeatable. Default: text. "
        "See docs/grading.md.",
    )(command)
    return command


def _parse(value: str) -> ReportTarget:
    fmt, _, path = value.partition(":")
    if fmt not in FORMATS:
        raise click.BadParameter(
            f"{fmt!r} is not a report format: use one of {', '.join(FORMATS)} (FORMAT[:PATH])",
            param_hint="--report",
        )
    return ReportTarget(fmt, Path(path) if path else None)


def report_targets(values: tuple[str, ...], output: Path | None) -> list[ReportTarget]:
    """The reports the options ask for; contradictions are usage errors (exit 2)."""
    targets = [_parse(value) for value in values] or [ReportTarget("text", None)]
    unplaced = [i for i, t in enumerate(targets) if t.path is None and t.fmt != "github"]
    if output is not None:
        if len(unplaced) != 1:
            raise click.UsageError("--output FILE needs exactly one --report without a :PATH")
        targets[unplaced[0]] = ReportTarget(targets[unplaced[0]].fmt, output)
        unplaced = []
    if len(unplaced) > 1:
        raise click.UsageError("only one report can go to stdout: give the others a PATH")
    github = [t for t in targets if t.fmt == "github"]
    if len(github) > 1:
        raise click.UsageError("--report github may be given once")
    if github and github[0].path is None:
        summary_file = os.environ.get(SUMMARY_ENV)
        if not summary_file:
            raise click.UsageError(
                f"--report github: ${SUMMARY_ENV} is not set (outside GitHub Actions); "
                "give the summary a file: --report github:PATH"
            )
        targets = [ReportTarget("github", Path(summary_file)) if t.fmt == "github" else t
                   for t in targets]  # fmt: skip
    if github and any(t.path is None and t.fmt in ("json", "junit") for t in targets):
        raise click.UsageError(
            "the github report's annotations go to stdout: give the json or junit report a PATH"
        )
    paths = [t.path.resolve() for t in targets if t.path is not None]
    if len(paths) != len(set(paths)):
        raise click.UsageError("two reports name the same file")
    return targets


def _write(path: Path, text: str, *, append: bool = False) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a" if append else "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        fail(f"cannot write the report to {path}: {exc.strerror or exc}")


def write_reports(
    report: Report, targets: list[ReportTarget], *, failed_early: bool = False
) -> None:
    """Write `report` to every target. `failed_early`: the run could not grade and said why on
    stderr already, so no text goes to the terminal again."""
    for target in targets:
        if target.fmt == "github":
            assert target.path is not None
            _write(target.path, summary(report), append=True)
            click.echo(workflow_commands(report), nl=False)
        elif target.path is not None:
            _write(target.path, render(report, target.fmt))
        elif not (failed_early and target.fmt == "text"):
            color = target.fmt == "text" and use_color(sys.stdout)
            click.echo(render(report, target.fmt, color=color), nl=False)
    if not failed_early and all(t.fmt != "text" for t in targets):
        click.echo(render(report, "text", color=use_color(sys.stderr)), err=True, nl=False)


@contextmanager
def reports_on_every_exit(
    targets: list[ReportTarget], mode: Literal["grade", "test"]
) -> Iterator[None]:
    """Around a command's work: when it cannot grade (exit 2) or is interrupted, the reports
    asked for are still written, with verdict `error` and why."""

    def failed(message: str) -> None:
        # a report that cannot be written was said on stderr; the first error decides the exit
        with suppress(CommandFailed):
            write_reports(Report(mode, error=message), targets, failed_early=True)

    try:
        yield
    except CommandFailed as exc:
        failed(exc.message)
        raise
    except ClusterError as exc:
        failed(exc.message)
        fail_cluster(exc)
    except Terminated:
        failed(f"{mode} was terminated (SIGTERM) before it finished")
        raise
    except KeyboardInterrupt:
        failed(f"{mode} was interrupted (Ctrl-C) before it finished")
        raise
