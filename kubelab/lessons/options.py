"""The `--lessons DIR` option every command that reads lessons shares, and loading with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kubelab.lessons.loader import Course, CourseNotFound, load_course

F = TypeVar("F", bound=Callable[..., Any])

USAGE_ERROR = 2


def lessons_option(func: F) -> F:
    """Add `--lessons DIR` (an instructor's course folder; default: the bundled course)."""
    option = click.option(
        "--lessons",
        "lessons_dir",
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=None,
        envvar="KUBELAB_LESSONS",
        help="Course folder holding lessons/ and manifests/ (default: the bundled course).",
    )
    return option(func)


def load_course_or_exit(lessons_dir: Path | None) -> Course:
    """Load the course; a folder that is not a course is a usage error (exit 2, no traceback)."""
    try:
        return load_course(lessons_dir)
    except CourseNotFound as exc:
        click.echo(f"kubelab: {exc}", err=True)
        raise SystemExit(USAGE_ERROR) from None
