"""The lesson format's pieces that need no cluster: the `$${` escape, the actions that make a
step's starting state, wrong answers and course.yaml in the model."""

from __future__ import annotations

from typing import Any

import yaml

from kubelab.lessons.model import Lesson, step_start_actions
from kubelab.lessons.render import find_placeholders, substitute, substitute_data


def test_the_escape_renders_a_literal_placeholder() -> None:
    text = 'sh -c "echo $${HOME} $${namespace}" ${namespace}'
    assert substitute(text, {"namespace": "lab"}) == 'sh -c "echo ${HOME} ${namespace}" lab'
    assert [p.name for p in find_placeholders(text)] == ["namespace"]
    assert substitute_data({"$${x}": ["$${y}"]}, {}) == {"${x}": ["${y}"]}


def test_uppercase_is_not_a_placeholder_and_is_left_alone() -> None:
    assert substitute("${AGENT_URL}", {}) == "${AGENT_URL}"
    assert [(p.name, p.valid) for p in find_placeholders("${AGENT_URL}")] == [("AGENT_URL", False)]


LESSON: dict[str, Any] = yaml.safe_load(
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
    wrong_answers:
      - {name: a typo, manifests: [typo.yaml], diagnosis: selector}
    checks: [{kind: absent, name: n, explain: e, object: {kind: Pod, name: p}}]
  - id: two
    title: t
    body: b
    setup: {commands: [[kubectl, delete, svc, web]]}
    solution: {manifests: [two.yaml]}
    checks: [{kind: absent, name: n, explain: e, object: {kind: Pod, name: p}}]
"""
)


def test_a_steps_start_is_lesson_setup_then_earlier_steps_then_its_own_setup() -> None:
    lesson = Lesson.model_validate(LESSON)
    first = [a.manifests or a.commands for a in step_start_actions(lesson, "one")]
    assert first == [["lesson.yaml"], ["one-setup.yaml"]]
    second = [a.manifests or a.commands for a in step_start_actions(lesson, "two")]
    assert second == [
        ["lesson.yaml"],
        ["one-setup.yaml"],
        ["one.yaml"],
        [["kubectl", "delete", "svc", "web"]],
    ]
    assert lesson.steps[0].wrong_answers[0].diagnosis == "selector"
