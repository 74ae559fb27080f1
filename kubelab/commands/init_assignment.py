"""`kubelab init-assignment LESSON DIR`: a repository layout for a class graded by kubelab."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from kubelab.commands.assignment_files import (
    Assignment,
    SourceUnknown,
    check_command,
    files,
    installed_requirement,
    valid_requirement,
)
from kubelab.commands.exits import exit_codes, fail
from kubelab.commands.grading_support import find_lesson
from kubelab.commands.options import lessons_option, load_course_or_exit

COURSE_FOLDER = "course"


def _requirement(given: str | None) -> str:
    try:
        return valid_requirement(given) if given is not None else installed_requirement()
    except ValueError as exc:
        fail(str(exc))
    except SourceUnknown as exc:
        fail(
            f"cannot tell where CI should install kubelab from: {exc}",
            "pass --kubelab-source 'kubelab @ git+https://github.com/OWNER/kubelab@REF' "
            "(your fork of kubelab)",
        )


def _empty_target(directory: Path) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        fail(f"{directory} exists and is not an empty folder", "name a new folder")


@click.command("init-assignment")
@click.argument("target", metavar="LESSON[/STEP]")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="DIR")
@click.option(
    "--kubelab-source",
    "source",
    metavar="REQUIREMENT",
    help="What CI installs: `kubelab @ git+https://github.com/OWNER/kubelab@REF` (default: "
    "the git URL and commit this kubelab was installed from).",
)
@lessons_option
@exit_codes
def init_assignment(
    target: str, directory: Path, source: str | None, lessons_dir: Path | None
) -> None:
    """Write a repository for a class in DIR (new or empty): a learner README, the GitHub
    workflow grading every push against LESSON, and the submission folder.

    With --lessons, the course is copied into DIR/course so CI grades against it.
    """
    course = load_course_or_exit(lessons_dir)
    lesson_id, _, step_id = target.partition("/")
    loaded = find_lesson(course, lesson_id)
    if step_id and loaded.lesson.step(step_id) is None:
        known = ", ".join(step.id for step in loaded.lesson.steps)
        fail(f"lesson {lesson_id} has no step {step_id!r}", f"its steps: {known}")
    requirement = _requirement(source)
    _empty_target(directory)
    assignment = Assignment(
        loaded.lesson, target, requirement, COURSE_FOLDER if lessons_dir else None
    )
    try:
        for name, text in files(assignment).items():
            path = directory / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if lessons_dir is not None:
            for part in ("lessons", "manifests"):
                if (course.root / part).is_dir():
                    shutil.copytree(course.root / part, directory / COURSE_FOLDER / part)
    except OSError as exc:
        fail(f"cannot write the assignment in {directory}: {exc.strerror or exc}")
    click.echo(f"Wrote the assignment for {target} in {directory}:")
    for name in sorted(files(assignment)):
        click.echo(f"  {name}")
    click.echo(f"Learners check their work before pushing with:\n  {check_command(assignment)}")
