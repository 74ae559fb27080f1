"""What the lesson's step pane shows, built from the lesson's state: the title line with the
step's state, hints and the solution with the bindings filled in, the next lesson's offer."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.grading.results import CheckResult, Status, StepResult
from kubelab.lessons.loader import Course, load_course
from kubelab.tui.screens.lesson.step_view import (
    hints_markdown,
    next_lesson_offer,
    solution_markdown,
    step_state,
    step_title,
)

FIRST = """\
format_version: 1
id: first
title: The first lesson
summary: Two steps.
steps:
  - id: make
    title: Make the Service
    body: "Create `web` in ${namespace}."
    hints:
      - "Run `kubectl create service clusterip web -n ${namespace}`."
      - "Keep $${literal} as it is."
      - "A third hint."
    solution:
      manifests: [../manifests/web.yaml, ../manifests/gone.yaml]
      commands: [[kubectl, label, svc, web, "team=${namespace}"]]
    checks:
      - {kind: absent, name: nothing, explain: x, timeout: 1, object: {kind: Service, name: nope}}
  - id: second
    title: Another step
    body: Nothing to do.
    solution:
      commands: [[kubectl, get, svc]]
    checks:
      - {kind: absent, name: nothing, explain: x, timeout: 1, object: {kind: Service, name: nope}}
"""

LAST = """\
format_version: 1
id: last
title: The last lesson
summary: One step.
steps:
  - id: only
    title: The only step
    body: Nothing to do.
    solution:
      commands: [[kubectl, get, svc]]
    checks:
      - {kind: absent, name: nothing, explain: x, timeout: 1, object: {kind: Service, name: nope}}
"""

WEB = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${namespace}\n"
BINDINGS: dict[str, str | int] = {"namespace": "lab-1"}


@pytest.fixture
def course(tmp_path: Path) -> Course:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "manifests").mkdir()
    (tmp_path / "lessons" / "01-first.yaml").write_text(FIRST, encoding="utf-8")
    (tmp_path / "lessons" / "02-last.yaml").write_text(LAST, encoding="utf-8")
    (tmp_path / "manifests" / "web.yaml").write_text(WEB, encoding="utf-8")
    (tmp_path / "manifests" / "gone.yaml").write_text(WEB, encoding="utf-8")
    loaded = load_course(tmp_path)
    assert not loaded.problems, loaded.problems
    (tmp_path / "manifests" / "gone.yaml").unlink()  # removed after loading: cannot be read
    return loaded


def result(*statuses: Status) -> StepResult:
    checks = [CheckResult(f"c{i}", "assert", s, "m") for i, s in enumerate(statuses)]
    return StepResult("first", "make", "Make the Service", checks=checks)


def test_the_title_line_says_where_the_learner_is_and_the_steps_state(course: Course) -> None:
    lesson = course.lessons[0].lesson
    untried = step_title(lesson, 0, None, None).plain
    assert untried == "The first lesson\nStep 1/2: Make the Service"
    failing = step_title(lesson, 0, None, result("passed", "failed", "error")).plain
    assert failing.endswith("  ✘ 2 checks failing (results below)")
    assert step_title(lesson, 0, None, result("failed")).plain.endswith(
        "✘ 1 check failing (results below)"
    )
    assert step_title(lesson, 1, False, None).plain.endswith("Step 2/2: Another step  ✔ passed")
    assisted = step_title(lesson, 1, True, result("failed")).plain
    assert assisted.endswith("  ✔ passed (assisted)")


def test_a_steps_state_in_the_list(course: Course) -> None:
    results = {"make": result("failed"), "second": result("passed")}
    assert step_state("make", {}, results) == "failed"
    assert step_state("make", {"make": False}, results) == "passed"
    assert step_state("make", {"make": True}, results) == "assisted"
    assert step_state("second", {}, results) == "untried"  # a pass is a state once recorded
    assert step_state("other", {}, {}) == "untried"


def test_hints_show_as_many_as_revealed_with_the_bindings_filled_in(course: Course) -> None:
    step = course.lessons[0].lesson.steps[0]
    assert hints_markdown(step, 0, BINDINGS) == ""
    one = hints_markdown(step, 1, BINDINGS)
    assert one == "**Hint 1/3:** Run `kubectl create service clusterip web -n lab-1`."
    two = hints_markdown(step, 2, BINDINGS).split("\n\n")
    assert two[1] == "**Hint 2/3:** Keep ${literal} as it is."
    before_the_lesson_started = hints_markdown(step, 1, None)
    assert "-n ${namespace}`" in before_the_lesson_started


def test_the_solution_shows_each_manifest_then_the_commands(course: Course) -> None:
    loaded = course.lessons[0]
    text = solution_markdown(loaded, loaded.lesson.steps[0], BINDINGS)
    assert text.startswith("**Solution**\n\n`../manifests/web.yaml`:\n\n```yaml\n")
    assert "  namespace: lab-1\n```" in text
    assert "# cannot read ../manifests/gone.yaml: " in text
    assert text.endswith("```\nkubectl label svc web team=lab-1\n```")


def test_a_passed_lesson_offers_the_next_one_until_the_last(course: Course) -> None:
    first, last = (loaded.lesson for loaded in course.lessons)
    offer = next_lesson_offer(course, first)
    assert offer == "Lesson 'The first lesson' passed. n opens the next lesson: The last lesson"
    assert next_lesson_offer(course, last).endswith("passed: that was the last lesson.")
    assert next_lesson_offer(None, first).endswith("passed: that was the last lesson.")
