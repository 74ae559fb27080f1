"""`kubelab lessons [--json]`: the lessons in course order."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kubelab.commands.exits import ERROR_EXIT
from kubelab.commands.options import lessons_option, load_course_or_exit


@click.command("lessons")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: [{id, title, steps: [...]}].")
@lessons_option
def lessons(as_json: bool, lessons_dir: Path | None) -> None:
    """List the lessons in course order (exit 2 if a lesson does not load)."""
    course = load_course_or_exit(lessons_dir)
    if as_json:
        listing = [
            {
                "id": loaded.lesson.id,
                "title": loaded.lesson.title,
                "steps": [{"id": step.id, "title": step.title} for step in loaded.lesson.steps],
            }
            for loaded in course.lessons
        ]
        click.echo(json.dumps(listing, indent=2))
    else:
        if course.info is not None:
            version = f" (version {course.info.version})" if course.info.version else ""
            click.echo(f"{course.info.title}{version}")
            if course.info.description:
                click.echo(course.info.description.strip())
            click.echo()
        width = max((len(loaded.lesson.id) for loaded in course.lessons), default=0)
        for number, loaded in enumerate(course.lessons, start=1):
            lesson = loaded.lesson
            steps = f"{len(lesson.steps)} step" + ("s" if len(lesson.steps) != 1 else "")
            click.echo(f"{number:2d}. {lesson.id:<{width}}  {lesson.title} ({steps})")
        if not course.lessons:
            click.echo(f"no lessons in {course.root / 'lessons'}")
    for problem in course.problems:
        click.echo(str(problem), err=True)
    if course.problems:
        click.echo("kubelab: some lessons do not load; run `kubelab lint` for details", err=True)
        raise SystemExit(ERROR_EXIT)
