"""`kubelab reset [LESSON[/STEP]]`: put a lesson's namespace back as it was when the step (or the
lesson) began."""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.grading_support import lab_cluster
from kubelab.commands.journey_support import enter_lesson, learner, show_step
from kubelab.commands.options import cluster_options, lessons_option


@click.command("reset")
@click.argument("target", required=False, metavar="[LESSON[/STEP]]")
@lessons_option
@cluster_options
@exit_codes
def reset(
    target: str | None,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> None:
    """Reset the step you are on, LESSON (to its first step) or LESSON/STEP: the lesson's
    namespace is emptied, then its setup and the solutions of the earlier steps are applied.
    Steps you passed stay passed; the reset step becomes the current one.

    Exit codes: 0 reset, 2 could not reset (cluster, lesson).
    """
    who = learner(lessons_dir)
    loaded, step_id = who.position(target)
    if step_id is None:
        step_id = loaded.lesson.steps[0].id if target is not None else who.current_step(loaded)
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    bindings = enter_lesson(who, lab, loaded, step_id, fresh=True)
    click.echo(f"Reset {loaded.lesson.id}/{step_id}.\n")
    show_step(who.course, loaded, step_id, bindings)
