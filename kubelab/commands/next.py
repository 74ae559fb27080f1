"""`kubelab next`: move to the next step of the current lesson, or start the next lesson."""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.grading_support import lab_cluster
from kubelab.commands.journey_support import enter_lesson, following, learner, show_step
from kubelab.commands.options import cluster_options, lessons_option


@click.command("next")
@lessons_option
@cluster_options
@exit_codes
def next_(lessons_dir: Path | None, cluster: str | None, namespace: str | None, yes: bool) -> None:
    """Go to the next step of the current lesson, or after its last step start the next lesson
    (set up in its own namespace as `kubelab start` does; one you took before is resumed as
    you left it). A step not passed yet stays
    unpassed (`kubelab solve LESSON/STEP` applies it later).

    Exit codes: 0 moved on, 1 the course is done, 2 no current lesson (or cluster problems).
    """
    who = learner(lessons_dir)
    loaded, step_id = who.position(None)
    lesson = loaded.lesson
    assert step_id is not None
    if not who.progress.passed(lesson.id, step_id):
        click.echo(f"(step {lesson.id}/{step_id} is not passed; you can come back to it)")
    index = lesson.step_index(step_id)
    if index + 1 < len(lesson.steps):
        nxt = lesson.steps[index + 1].id
        who.save(lambda: who.store.set_current(lesson.id, nxt))
        show_step(who.course, loaded, nxt, who.bindings(lesson.id))
        return
    upcoming = following(who.course, loaded)
    if upcoming is None:
        click.echo("That was the last step of the last lesson: the course is done.")
        raise SystemExit(1)
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    first = upcoming.lesson.steps[0].id
    # a lesson taken before is resumed as the learner left it; a new one is set up
    begun = upcoming.lesson.id in who.progress.lessons
    bindings = enter_lesson(who, lab, upcoming, first, fresh=not begun)
    show_step(who.course, upcoming, first, bindings)
