"""On the simulator: a learner who has not done a lesson's first step yet gets a failure for
every check, and each failure tells them what to look at next (the check's `explain`, which names
a command or a field), in the text report they see."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings, render_text
from kubelab.grading.engine import grade_step
from kubelab.grading.reporters import render
from kubelab.grading.results import LessonResult, Report
from kubelab.lessons.checks.base import CheckBase
from kubelab.lessons.loader import LoadedLesson, load_course

LESSONS = load_course().lessons


def as_check(spec: object) -> CheckBase:
    """A lesson's check as the base every kind shares (mypy cannot see through the union)."""
    assert isinstance(spec, CheckBase)
    return spec


# What to look at next: a kubectl command, or a field/object in backticks.
NAMES_WHAT_TO_LOOK_AT = re.compile(r"`kubectl [^`]+`|`[A-Za-z][\w.:/=\-\[\] ]*`")


def test_every_explain_names_a_command_or_a_field() -> None:
    for loaded in LESSONS:
        for step in loaded.lesson.steps:
            for check in map(as_check, step.checks):
                where = f"{loaded.lesson.id}/{step.id}: {check.name}"
                assert NAMES_WHAT_TO_LOOK_AT.search(check.explain), where


@pytest.fixture
def lab_namespace(sim: Any) -> Iterator[tuple[KubeClient, LabCluster]]:
    namespace = f"lessons-{secrets.token_hex(3)}"
    with KubeClient(Path(sim.kubeconfig), None, namespace) as client:
        client.ensure_namespace(namespace, {"app.kubernetes.io/managed-by": "kubelab"})
        lab = LabCluster(
            provider="context",
            name="kubelab-sim",
            kubeconfig=Path(sim.kubeconfig),
            context="kubelab-sim",
            namespace=namespace,
        )
        try:
            yield client, lab
        finally:
            client.delete_namespace(namespace)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("loaded", LESSONS, ids=[item.lesson.id for item in LESSONS])
def test_first_step_without_the_work_fails_with_what_to_look_at(
    loaded: LoadedLesson, lab_namespace: tuple[KubeClient, LabCluster]
) -> None:
    client, lab = lab_namespace
    bindings = allocate_bindings(client, loaded.lesson, lab.namespace)
    try:
        apply_actions(client, loaded, loaded.lesson.setup, bindings)
        step = loaded.lesson.steps[0]
        result = grade_step(lab, loaded, step.id, bindings, client, poll=False)
    finally:
        release_bindings(bindings)
    assert not result.passed
    lesson_result = LessonResult(loaded.lesson.id, loaded.lesson.title, steps=[result])
    text = render(Report(mode="grade", lessons=[lesson_result]), "text")
    for check, spec in zip(result.checks, map(as_check, step.checks), strict=True):
        if spec.requires and check.status == "skipped":
            continue  # the cluster lacks a capability the check needs
        assert check.status == "failed", f"{spec.name}: {check.status} {check.message}"
        assert check.message.strip()
        explain = render_text(spec.explain, bindings)
        assert " ".join(explain.split())[:60] in " ".join(text.split()), spec.name
