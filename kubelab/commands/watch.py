"""`kubelab watch`: grade the current step again on every change in the lesson's namespace, as the
TUI's watch mode does, moving on as steps pass; Ctrl-C ends it (exit 130)."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from kubelab.cluster.base import LabCluster
from kubelab.commands.exits import exit_codes
from kubelab.commands.grading_support import lab_cluster
from kubelab.commands.journey_support import (
    Learner,
    advance,
    enter_lesson,
    grade_position,
    lab_client,
    learner,
    show_step,
)
from kubelab.commands.options import cluster_options, lessons_option
from kubelab.lessons.loader import LoadedLesson

FALLBACK_SECONDS = 10.0
"""Grade again after this long without a change (what the checks read may change unwatched)."""


def _watch_lesson(
    who: Learner,
    lab: LabCluster,
    loaded: LoadedLesson,
    bindings: dict[str, str | int],
    max_wait: float,
) -> None:
    """Grade the current step on every change until the lesson's last step passes."""
    from kubelab.grading.changes import ChangeSignal, StepWatcher, watched_kinds
    from kubelab.grading.lesson_lab import lesson_lab
    from kubelab.lessons.checks.base import CheckBase

    own = lesson_lab(lab, loaded.lesson.id)
    lesson = loaded.lesson
    with lab_client(own) as client:
        while True:
            step_id = who.current_step(loaded)
            step = lesson.step(step_id)
            assert step is not None
            specs: list[CheckBase] = [*step.checks, *lesson.invariants_through(step_id)]
            kinds = watched_kinds(specs) | {
                ("v1", "Service"), ("discovery.k8s.io/v1", "EndpointSlice"), ("v1", "Pod")
            }  # fmt: skip
            signal = ChangeSignal()
            watcher = StepWatcher(client, own.namespace, kinds, signal)
            watcher.ensure_started()
            try:
                shown = ""
                while True:
                    seen = signal.generation
                    result = grade_position(lab, loaded, step_id, bindings, max_wait)
                    if result.passed:
                        break
                    failing = [c for c in result.checks if c.status != "passed"]
                    summary = "; ".join(f"{c.name}: {c.message}" for c in failing[:2])
                    if summary != shown:
                        click.echo(f"  not yet ({step_id}): {summary}")
                        shown = summary
                    signal.wait(seen, FALLBACK_SECONDS)
            finally:
                watcher.stop()
            who.save(functools.partial(who.store.record_pass, lesson.id, step_id))
            if advance(who, loaded, step_id, bindings):
                return


@click.command("watch")
@click.option(
    "--wait",
    "max_wait",
    type=click.FloatRange(min=0.1, max=600),
    default=2.0,
    show_default=True,
    metavar="SECONDS",
    help="Poll a failing check at most SECONDS per grading.",
)
@lessons_option
@cluster_options
@exit_codes
def watch(
    max_wait: float,
    lessons_dir: Path | None,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
) -> None:
    """Grade the step you are on whenever something changes in the lesson's namespace; a
    passed step moves on to the next, and the watch ends when the lesson is passed.
    Ctrl-C ends it earlier.

    Exit codes: 0 the lesson is passed, 2 no current lesson (or cluster problems), 130 Ctrl-C.
    """
    who = learner(lessons_dir)
    loaded, step_id = who.position(None)
    assert step_id is not None
    lab = lab_cluster(cluster, namespace, yes, start="never")
    bindings = enter_lesson(who, lab, loaded, step_id, fresh=False)
    show_step(who.course, loaded, step_id, bindings)
    click.echo("Watching the lesson's namespace (Ctrl-C ends it)...")
    _watch_lesson(who, lab, loaded, bindings, max_wait)
