"""`kubelab hint`: the next hint of the current step (remembered, so the next call shows the one
after)."""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.journey_support import learner
from kubelab.commands.options import lessons_option
from kubelab.lessons.render import MissingBinding, substitute


@click.command("hint")
@click.argument("target", required=False, metavar="[LESSON/STEP]")
@lessons_option
@exit_codes
def hint(target: str | None, lessons_dir: Path | None) -> None:
    """Show the next hint of the step you are on (or of LESSON/STEP); each call reveals one
    more, then repeats the last.

    Exit codes: 0 a hint was shown, 1 the step has no hints, 2 no current step.
    """
    who = learner(lessons_dir)
    loaded, step_id = who.position(target)
    step_id = step_id or who.current_step(loaded)
    step = loaded.lesson.step(step_id)
    assert step is not None
    if not step.hints:
        click.echo(f"step {loaded.lesson.id}/{step_id} has no hints; `kubelab solve` applies "
                   "its solution")  # fmt: skip
        raise SystemExit(1)
    recorded = who.progress.lessons.get(loaded.lesson.id)
    used = recorded.steps[step_id].hints_used if recorded and step_id in recorded.steps else 0
    shown = min(used + 1, len(step.hints))
    lesson_id = loaded.lesson.id
    who.save(lambda: who.store.record_hint(lesson_id, step_id, shown))
    try:
        text = substitute(step.hints[shown - 1], who.bindings(lesson_id))
    except MissingBinding:
        text = step.hints[shown - 1]
    click.echo(f"Hint {shown}/{len(step.hints)} for {lesson_id}/{step_id}: {text}")
    if shown == len(step.hints):
        click.echo("That is the last hint; `kubelab solve` applies the solution.")
