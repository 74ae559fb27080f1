"""The options commands share: the lab cluster (`--cluster`, `--namespace`, `--yes`), the course
(`--lessons`) and the report format; and what they resolve to."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from kubelab.cluster.base import SPEC_HELP, ConfirmationRequired, Provider
from kubelab.cluster.state import CLUSTER_ENV
from kubelab.commands.exits import fail
from kubelab.lessons.loader import Course, CourseNotFound, load_course

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(command: F) -> F:
    """Add `--cluster`, `--namespace` and `--yes` to a click command (as `cluster`,
    `namespace`, `yes` keyword arguments)."""
    command = click.option(
        "--yes",
        "-y",
        is_flag=True,
        default=False,
        help="Confirm changes to a cluster kubelab did not create (context:NAME) without asking.",
    )(command)
    command = click.option(
        "--namespace",
        "-n",
        default=None,
        metavar="NAME",
        help="Lab namespace on a borrowed context (default kubelab-<user>); one per learner.",
    )(command)
    command = click.option(
        "--cluster",
        "-c",
        default=None,
        metavar="CLUSTER",
        help=f"Lab cluster: {SPEC_HELP} (default: ${CLUSTER_ENV}, else the one `kubelab up` "
        "provisioned, else `cluster` in the config file, else auto).",
    )(command)
    return command


def terminal_confirm(question: str) -> bool:
    """Ask on the terminal; refuse (ConfirmationRequired) when there is none, or when called off
    the main thread."""
    if not sys.stdin.isatty() or threading.current_thread() is not threading.main_thread():
        raise ConfirmationRequired(
            "kubelab would change a cluster it did not create, and there is no terminal to ask",
            hint="pass --yes to confirm",
            question=question,
        )
    return click.confirm(question, default=False, err=True)


def resolve_cluster(cluster: str | None, namespace: str | None, yes: bool) -> Provider:
    """The provider the cluster options name; a borrowed context asks on the terminal."""
    from kubelab.cluster.select import resolve_provider

    return resolve_provider(cluster, namespace=namespace, yes=yes, confirm=terminal_confirm)


def stderr_progress(message: str) -> None:
    click.echo(f"  {message}", err=True)


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


def course_dir_here(cwd: Path | None = None) -> Path | None:
    """The current folder when it is a course (it holds `course.yaml` or a `lessons/` folder)."""
    here = Path.cwd() if cwd is None else cwd
    if (here / "course.yaml").is_file() or (here / "lessons").is_dir():
        return here
    return None


def say_which_course(course: Course) -> None:
    """One line on stderr naming the course a command checks, so nobody checks the wrong one."""
    click.echo(f"kubelab: course {course.title!r} in {course.root}", err=True)


def load_course_or_exit(lessons_dir: Path | None, *, here: bool = False) -> Course:
    """Load the course (with `here`, the current folder's when it is one and no --lessons was
    given); a folder that is not a course is a usage error (exit 2, no traceback)."""
    if lessons_dir is None and here:
        lessons_dir = course_dir_here()
    try:
        return load_course(lessons_dir)
    except CourseNotFound as exc:
        fail(str(exc))
