"""`kubelab grade [LESSON[/STEP]]`: grade a cluster's current state (or a learner's submission).

Exit codes: 0 every check passed, 1 a check failed, 2 the grader could not decide (the cluster is
unreachable, the options or the lesson are wrong) — never 1 for an infrastructure problem.
"""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.cluster.base import ClusterError, LabCluster
from kubelab.commands.exits import exit_codes, fail, fail_cluster
from kubelab.commands.grading_support import find_lesson, lab_cluster, save_progress
from kubelab.commands.journey_support import lesson_passed_message
from kubelab.commands.options import cluster_options, lessons_option, load_course_or_exit
from kubelab.commands.report_output import (
    report_options,
    report_targets,
    reports_on_every_exit,
    write_reports,
)
from kubelab.grading.results import LessonResult, Report
from kubelab.lessons.loader import LoadedLesson
from kubelab.progress import Progress, ProgressStore


def _split_target(target: str) -> tuple[str, str | None]:
    lesson_id, _, step_id = target.partition("/")
    return lesson_id, (step_id or None)


def _record(store: ProgressStore, result: LessonResult, follow_on: list[str] | None) -> None:
    """Record passes (and attempts). `follow_on`: the lesson's step ids when grading the current
    step, which then moves on to the next step once it passes."""
    for step in result.steps:
        if step.passed:
            store.record_pass(result.lesson_id, step.step_id)
            if follow_on and step.step_id in follow_on:
                index = follow_on.index(step.step_id)
                if index + 1 < len(follow_on):
                    store.set_current(result.lesson_id, follow_on[index + 1])
                    click.echo(f"next step: {result.lesson_id}/{follow_on[index + 1]}", err=True)
        elif step.status == "failed":
            store.record_attempt(result.lesson_id, step.step_id)


def _chosen_step(
    target: str | None, progress: Progress, submission: bool
) -> tuple[str, str | None]:
    """The lesson and step named on the command line, else the learner's current step."""
    if target is not None:
        return _split_target(target)
    if submission:
        fail("--submission needs a LESSON to grade against")
    if not progress.current_lesson:
        fail("no current lesson to grade", "name one: kubelab grade LESSON[/STEP]")
    return progress.current_lesson, progress.current_step


def _grade_live(
    lab: LabCluster,
    loaded: LoadedLesson,
    store: ProgressStore,
    progress: Progress,
    steps: list[str] | None,
    *,
    poll: bool,
    max_wait: float,
) -> LessonResult:
    """Grade the lesson's namespace as it is, with the lesson's bindings (allocated and recorded
    on first use). A whole lesson is graded by its end state (the last step's checks and the
    invariants) and the learner's recorded passes of the earlier steps."""
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.lesson_lab import lesson_bindings, lesson_lab
    from kubelab.grading.runner import grade_lesson

    lesson_id = loaded.lesson.id
    recorded = progress.lessons.get(lesson_id)
    previous: dict[str, str | int] = dict(recorded.bindings) if recorded else {}
    own = lesson_lab(lab, lesson_id)
    with KubeClient(own.kubeconfig, own.context, own.namespace) as client:
        bindings = lesson_bindings(client, own, loaded.lesson, previous)
        if bindings != previous:
            chosen = bindings
            save_progress(lambda: store.set_bindings(lesson_id, chosen), store.path)
            wanted = {b.name for b in loaded.lesson.bindings}
            shown = ", ".join(f"{k}={v}" for k, v in bindings.items() if k in wanted)
            if shown:
                click.echo(f"kubelab: values for lesson {lesson_id}: {shown}", err=True)
        passes = {
            step.id: (recorded.steps[step.id].passed_at if step.id in recorded.steps else None)
            for step in loaded.lesson.steps
        } if recorded else {}  # fmt: skip
        return grade_lesson(
            own,
            loaded,
            bindings,
            client,
            step_ids=steps,
            poll=poll,
            max_wait=max_wait,
            recorded=passes,
        )


@click.command("grade")
@click.argument("target", required=False, metavar="[LESSON[/STEP]]")
@click.option(
    "--submission",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Grade a learner's manifests from DIR in a fresh namespace (CI mode).",
)
@report_options
@click.option("--no-wait", is_flag=True, help="Evaluate each check once instead of polling.")
@click.option(
    "--wait",
    "max_wait",
    type=click.FloatRange(min=0.1, max=600),
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="Grading the live state: poll a failing check at most SECONDS (a check's own shorter "
    "timeout still applies). --submission waits until the namespace settled instead.",
)
@click.option(
    "--keep-namespace", is_flag=True, help="With --submission: keep the grading namespace."
)
@lessons_option
@cluster_options
@exit_codes
def grade(
    target: str | None,
    submission: Path | None,
    reports: tuple[str, ...],
    output: Path | None,
    no_wait: bool,
    max_wait: float,
    keep_namespace: bool,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> None:
    """Grade LESSON (every step) or LESSON/STEP; without one, the step you are on.

    The lab cluster must be up (`kubelab up`): grading never creates one. With --submission,
    the simulator is started (or a borrowed context's lab namespace set up, once confirmed) if
    needed; a kind cluster must be up.

    Exit codes: 0 all checks passed, 1 a check failed, 2 could not grade (cluster not up or
    unreachable, options, lesson).
    """
    targets = report_targets(reports, output)
    with reports_on_every_exit(targets, "grade"):
        report = _graded(
            target, submission, lessons_dir, cluster, namespace, yes,
            poll=not no_wait, max_wait=max_wait, keep_namespace=keep_namespace,
        )  # fmt: skip
    write_reports(report, targets)
    raise SystemExit(report.exit_code())


def _graded(
    target: str | None,
    submission: Path | None,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
    *,
    poll: bool,
    max_wait: float,
    keep_namespace: bool,
) -> Report:
    """Choose the lesson and step, reach the cluster, grade (live or a submission)."""
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.runner import grade_submission

    course = load_course_or_exit(lessons_dir)
    store = ProgressStore()
    progress = store.load()
    for notice in store.notices:
        click.echo(f"kubelab: {notice}", err=True)
    follow_current = target is None
    lesson_id, step_id = _chosen_step(target, progress, submission is not None)
    loaded = find_lesson(course, lesson_id)
    if step_id is not None and loaded.lesson.step(step_id) is None:
        known = ", ".join(step.id for step in loaded.lesson.steps)
        fail(f"lesson {lesson_id} has no step {step_id!r}", f"its steps: {known}")
    steps = [step_id] if step_id else None
    # Grading reads the cluster as it is: it never creates one. Only --submission (which works in
    # a fresh namespace of its own) may start the simulator or set up a borrowed context.
    lab = lab_cluster(cluster, namespace, yes, start="not-kind" if submission else "never")
    try:
        if submission is not None:
            result = grade_submission(
                lab,
                loaded,
                submission,
                lambda ns: KubeClient(lab.kubeconfig, lab.context, ns),
                step_ids=steps,
                keep_namespace=keep_namespace,
            )
        else:
            result = _grade_live(lab, loaded, store, progress, steps, poll=poll, max_wait=max_wait)
            follow_on = [s.id for s in loaded.lesson.steps] if follow_current else None
            save_progress(lambda: _record(store, result, follow_on), store.path)
            last = loaded.lesson.steps[-1].id
            if follow_on and [s.step_id for s in result.steps if s.passed] == [last]:
                click.echo(lesson_passed_message(course, loaded), err=True)
    except ClusterError as exc:
        fail_cluster(exc)
    return Report("grade", [result], cluster=f"{lab.provider}:{lab.name}")
