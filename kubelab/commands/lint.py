"""`kubelab lint [PATH...]`: check lessons and the manifests they reference.

Exit 0 when clean, 1 when problems were found, 2 on a usage error (a path that is not a lesson
file or a course folder).
"""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import ERROR_EXIT
from kubelab.commands.options import course_dir_here, lessons_option, say_which_course
from kubelab.lessons.loader import (
    CourseNotFound,
    LessonLoadError,
    LessonProblem,
    course_root_for,
    load_course,
    load_lesson,
)
from kubelab.lessons.manifest_lint import ManifestCache

PROBLEMS_FOUND = 1


def _lint_path(
    path: Path, root: Path | None, cache: ManifestCache
) -> tuple[int, list[LessonProblem]]:
    if path.is_dir():
        course = load_course(path, strict=True)
        return len(course.lessons) + len({p.path for p in course.problems}), course.problems
    try:
        load_lesson(path, root, cache)
    except LessonLoadError as exc:
        return 1, exc.problems
    return 1, []


@click.command("lint")
@click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, path_type=Path), metavar="[PATH]..."
)
@lessons_option
def lint(paths: tuple[Path, ...], lessons_dir: Path | None) -> None:
    """Check lesson files or course folders (default: the course of --lessons, or the bundled
    one) and the manifests they reference. Exit 0 clean, 1 problems found, 2 usage error."""
    cache = ManifestCache(strict=True)
    problems: list[LessonProblem] = []
    checked = 0
    try:
        if lessons_dir is None and not paths:
            lessons_dir = course_dir_here()
        root = course_root_for(lessons_dir) if lessons_dir is not None else None
        targets: list[Path | None] = list(paths) if paths else [root]
        for target in targets:
            if target is None or (target == root and not paths):
                course = load_course(target, strict=True)
                say_which_course(course)
                checked += len(course.lessons) + len({p.path for p in course.problems})
                problems.extend(course.problems)
            else:
                count, found = _lint_path(target, root, cache)
                checked += count
                problems.extend(found)
    except CourseNotFound as exc:
        click.echo(f"kubelab lint: {exc}", err=True)
        raise SystemExit(ERROR_EXIT) from None
    unique = list(dict.fromkeys(problems))
    for problem in unique:
        click.echo(str(problem))
    files = len({problem.path for problem in unique})
    if unique:
        noun = "problem" if len(unique) == 1 else "problems"
        click.echo(f"kubelab lint: {len(unique)} {noun} in {files} file(s)", err=True)
        raise SystemExit(PROBLEMS_FOUND)
    click.echo(f"kubelab lint: {checked} lesson(s) checked, no problems", err=True)
