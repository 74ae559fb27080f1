"""What `kubelab grade` and `kubelab test` share: lesson look-up, the cluster, the progress file
(reports: `report_output.py`)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import click

from kubelab.cluster.base import ClusterError, LabCluster
from kubelab.commands.exits import fail, fail_cluster
from kubelab.commands.options import resolve_cluster, stderr_progress
from kubelab.lessons.loader import Course, LoadedLesson


def save_progress(change: Callable[[], object], path: Path) -> None:
    """Record something in the progress file; a file that cannot be written is a warning (the
    grading itself is done and its verdict stands)."""
    try:
        change()
    except OSError as exc:
        click.echo(f"kubelab: progress not saved ({exc.strerror or exc}): {path}", err=True)


def find_lesson(course: Course, lesson_id: str) -> LoadedLesson:
    found = course.find(lesson_id)
    if found is not None:
        return found
    for problem in course.problems:
        if problem.path.stem.endswith(lesson_id) or lesson_id in problem.path.name:
            fail(f"lesson {lesson_id!r} does not load:\n{problem}", "run `kubelab lint`")
    ids = [loaded.lesson.id for loaded in course.lessons]
    close = difflib.get_close_matches(lesson_id, ids, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "`kubelab lessons` lists them"
    fail(f"no lesson {lesson_id!r} in {course.root / 'lessons'}", hint)


def lab_cluster(
    cluster: str | None,
    namespace: str | None,
    yes: bool,
    *,
    start: Literal["never", "not-kind", "any"],
) -> LabCluster:
    """The lab cluster the options name, and on stderr which one and why (`provider.reason`).

    `start`: "never" uses a cluster that is up and changes nothing (a cluster that is not up is
    an error, exit 2, hinting `kubelab up`); "not-kind" also starts the simulator, or sets up
    the lab namespace of a borrowed context (after its confirmation or --yes), but never creates
    a kind cluster (minutes of work that belongs to `kubelab up`); "any" provisions whatever
    cluster is named (as `kubelab up` does).
    """
    try:
        provider = resolve_cluster(cluster, namespace, yes)
        click.echo(f"kubelab: using {provider.spec} ({provider.reason})", err=True)
        if start == "any" or (start == "not-kind" and provider.kind != "kind"):
            return provider.provision(stderr_progress)
        return provider.attach(stderr_progress)
    except ClusterError as exc:
        fail_cluster(exc)
