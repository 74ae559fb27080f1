"""`actions_to_step`, what resetting a lesson's namespace to a step applies, follows the order of
`step_start_actions`: the lesson's setup, each earlier step's own setup and solution, then the
step's own setup (left out on request, for the TUI, which applies it once when reached)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kubelab.grading.lesson_lab import actions_to_step
from kubelab.lessons.model import Lesson, step_start_actions

LESSON_WITH_STEP_SETUPS: dict[str, Any] = yaml.safe_load(
    """
format_version: 1
id: demo
title: t
summary: s
setup: {manifests: [lesson.yaml]}
steps:
  - id: one
    title: t
    body: b
    setup: {manifests: [one-setup.yaml]}
    solution: {manifests: [one.yaml]}
    checks: [{kind: absent, name: n, explain: e, object: {kind: Pod, name: p}}]
  - id: two
    title: t
    body: b
    setup: {commands: [[kubectl, delete, svc, web]]}
    solution: {manifests: [two.yaml]}
    checks: [{kind: absent, name: n, explain: e, object: {kind: Pod, name: p}}]
"""
)


def _what(lesson: Lesson, step_id: str | None, *, own_setup: bool = True) -> list[str]:
    plan = actions_to_step(lesson, step_id, own_setup=own_setup)
    return [name for name, _ in plan]


def test_a_step_starts_after_the_earlier_steps_setups_and_solutions_then_its_own_setup() -> None:
    lesson = Lesson.model_validate(LESSON_WITH_STEP_SETUPS)
    assert _what(lesson, None) == ["the lesson's setup", "the setup of step one"]
    assert _what(lesson, "two") == [
        "the lesson's setup",
        "the setup of step one",
        "the solution of step one",
        "the setup of step two",
    ]
    plan = [actions for _, actions in actions_to_step(lesson, "two")]
    assert plan == list(step_start_actions(lesson, "two"))


def test_the_steps_own_setup_can_be_left_to_the_caller() -> None:
    lesson = Lesson.model_validate(LESSON_WITH_STEP_SETUPS)
    assert _what(lesson, "two", own_setup=False) == [
        "the lesson's setup",
        "the setup of step one",
        "the solution of step one",
    ]


def test_an_unknown_step_is_a_key_error() -> None:
    lesson = Lesson.model_validate(LESSON_WITH_STEP_SETUPS)
    with pytest.raises(KeyError):
        actions_to_step(lesson, "three")
