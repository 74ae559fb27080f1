"""`kubelab solve [LESSON/STEP]`: apply a step's solution for the learner ("apply for me"),
recorded as assisted, then grade the step."""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.grading_support import lab_cluster
from kubelab.commands.journey_support import (
    action_failed,
    advance,
    enter_lesson,
    grade_position,
    lab_client,
    learner,
)
from kubelab.commands.options import cluster_options, lessons_option


@click.command("solve")
@click.argument("target", required=False, metavar="[LESSON/STEP]")
@lessons_option
@cluster_options
@exit_codes
def solve(
    target: str | None,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> None:
    """Apply the solution of the step you are on (or of LESSON/STEP) and grade it; the pass is
    recorded as assisted. A step of another lesson (or of a lesson not set up) is set up first.

    Exit codes: 0 the step passes, 1 it still fails, 2 could not apply or grade.
    """
    from kubelab.grading.actions import ActionFailed, apply_actions
    from kubelab.grading.lesson_lab import lesson_lab
    from kubelab.lessons.problems import LessonLoadError

    who = learner(lessons_dir)
    loaded, step_id = who.position(target)
    lesson = loaded.lesson
    step_id = step_id or who.current_step(loaded)
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    here = who.progress.current_lesson == lesson.id and who.current_step(loaded) == step_id
    bindings = enter_lesson(who, lab, loaded, step_id, fresh=not here and target is not None)
    step = lesson.step(step_id)
    assert step is not None
    try:
        with lab_client(lesson_lab(lab, lesson.id)) as client:
            done = apply_actions(client, loaded, step.solution, bindings)
    except (ActionFailed, LessonLoadError) as exc:
        action_failed(f"applying the solution of {lesson.id}/{step_id}", exc)
    for line in done:
        click.echo(f"  {line}", err=True)
    who.save(lambda: who.store.record_solution(lesson.id, step_id))
    result = grade_position(lab, loaded, step_id, bindings, max_wait=60.0)
    if not result.passed:
        for check in result.checks:
            if check.status != "passed":
                click.echo(f"  {check.status}: {check.name}: {check.message}")
        click.echo(f"The solution of {lesson.id}/{step_id} is applied but the step does not "
                   "pass yet; `kubelab grade` tries again.")  # fmt: skip
        raise SystemExit(1)
    who.save(lambda: who.store.record_pass(lesson.id, step_id))
    click.echo(f"Solved {lesson.id}/{step_id} for you (recorded as assisted).")
    advance(who, loaded, step_id, bindings)
