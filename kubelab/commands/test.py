"""`kubelab test [LESSON...]`: the lessons' self-test (each check must fail before its step's
solution and pass after it), lessons concurrently, each in a fresh namespace that is removed.

Exit codes: 0 every lesson proved itself, 1 a lesson has a defect, 2 the self-test could not run.
"""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import ERROR_EXIT, exit_codes
from kubelab.commands.grading_support import emit_report, find_lesson, lab_cluster
from kubelab.commands.options import (
    REPORT_CHOICE,
    cluster_options,
    lessons_option,
    load_course_or_exit,
    say_which_course,
)


@click.command("test")
@click.argument("lesson_ids", nargs=-1, metavar="[LESSON...]")
@click.option(
    "--report",
    "fmt",
    type=REPORT_CHOICE,
    default="text",
    show_default=True,
    help="Report format (JSON and JUnit are described in docs/grading.md).",
)
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE."
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Lessons tested at the same time.",
)
@click.option("--keep-namespaces", is_flag=True, help="Keep each lesson's test namespace.")
@lessons_option
@cluster_options
@exit_codes
def test(
    lesson_ids: tuple[str, ...],
    fmt: str,
    output: Path | None,
    jobs: int,
    keep_namespaces: bool,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> None:
    """Self-test LESSONs (default: every lesson of the course): each step's checks must fail
    before its solution and pass after it.

    The simulator is started (or a borrowed context's lab namespace set up, once confirmed) if
    needed; a kind cluster must be up first (`kubelab up --cluster kind`).

    Exit codes: 0 every lesson proved itself, 1 a lesson has a defect, 2 could not run.
    """
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.selftest import run_selftest

    course = load_course_or_exit(lessons_dir, here=True)
    say_which_course(course)
    if lesson_ids:
        lessons = [find_lesson(course, lesson_id) for lesson_id in lesson_ids]
    else:
        lessons = list(course.lessons)
        for problem in course.problems:
            click.echo(str(problem), err=True)
    if not lessons and not course.problems:
        click.echo(f"kubelab: no lessons in {course.root / 'lessons'}", err=True)
        raise SystemExit(ERROR_EXIT)
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    report = run_selftest(
        lab,
        lessons,
        lambda ns: KubeClient(lab.kubeconfig, lab.context, ns),
        jobs=jobs,
        keep_namespaces=keep_namespaces,
    )
    emit_report(report, fmt, output)
    code = report.exit_code()
    if course.problems and not lesson_ids:
        click.echo("kubelab: some lessons do not load (see above)", err=True)
        code = ERROR_EXIT
    raise SystemExit(code)
