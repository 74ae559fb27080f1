"""`kubelab test [LESSON...]`: the lessons' self-test (each check must fail before its step's
solution and pass after it), lessons concurrently, each in a fresh namespace that is removed.

Exit codes: 0 every lesson proved itself, 1 a lesson has a defect, 2 the self-test could not run.
"""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes, fail
from kubelab.commands.grading_support import find_lesson, lab_cluster
from kubelab.commands.options import (
    cluster_options,
    lessons_option,
    load_course_or_exit,
    say_which_course,
)
from kubelab.commands.report_output import (
    report_options,
    report_targets,
    reports_on_every_exit,
    write_reports,
)
from kubelab.grading.results import Report


@click.command("test")
@click.argument("lesson_ids", nargs=-1, metavar="[LESSON...]")
@report_options
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
    reports: tuple[str, ...],
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
    targets = report_targets(reports, output)
    with reports_on_every_exit(targets, "test"):
        report = _tested(lesson_ids, jobs, keep_namespaces, lessons_dir, cluster, namespace, yes)
    write_reports(report, targets)
    raise SystemExit(report.exit_code())


def _tested(
    lesson_ids: tuple[str, ...],
    jobs: int,
    keep_namespaces: bool,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> Report:
    """Self-test the lessons named (default: every lesson of the course)."""
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
        fail(f"no lessons in {course.root / 'lessons'}")
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    report = run_selftest(
        lab,
        lessons,
        lambda ns: KubeClient(lab.kubeconfig, lab.context, ns),
        jobs=jobs,
        keep_namespaces=keep_namespaces,
    )
    if course.problems and not lesson_ids:
        click.echo("kubelab: some lessons do not load (see above)", err=True)
        report.error = f"{len(course.problems)} lesson file(s) do not load (see `kubelab lint`)"
    return report
