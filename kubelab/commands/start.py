"""`kubelab start LESSON`: set a lesson up in its own namespace, make it current, show its first
step."""

from __future__ import annotations

from pathlib import Path

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.grading_support import lab_cluster
from kubelab.commands.journey_support import enter_lesson, learner, show_step
from kubelab.commands.options import cluster_options, lessons_option


@click.command("start")
@click.argument("lesson_id", metavar="LESSON")
@lessons_option
@cluster_options
@exit_codes
def start(
    lesson_id: str, lessons_dir: Path | None, cluster: str | None, namespace: str | None, yes: bool
) -> None:
    """Start LESSON (an id or its number in `kubelab lessons`) from its first step.

    The lesson gets a namespace of its own, emptied and set up as the lesson begins (what you
    did in it before is gone; steps you passed stay passed), and kubectl with kubelab's
    kubeconfig (`kubelab shell`, `kubelab env`) acts there. Starts the simulator if needed.

    Exit codes: 0 started, 2 could not start (cluster, lesson).
    """
    who = learner(lessons_dir)
    loaded, _ = who.position(lesson_id)
    lab = lab_cluster(cluster, namespace, yes, start="not-kind")
    first = loaded.lesson.steps[0].id
    bindings = enter_lesson(who, lab, loaded, first, fresh=True)
    show_step(who.course, loaded, first, bindings)
