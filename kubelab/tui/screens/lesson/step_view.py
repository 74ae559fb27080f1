"""What the step pane shows, as text built from the lesson's state: the step's title line with
its state, the instructions and hints with the lesson's bindings filled in, the solution, and
the offer of the next lesson. The screen puts them in its widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from kubelab.grading.wording import count_text
from kubelab.lessons.problems import LessonLoadError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kubelab.grading.results import StepResult
    from kubelab.lessons.loader import Course, LoadedLesson
    from kubelab.lessons.model import Lesson, Step
    from kubelab.tui.services import Bindings
    from kubelab.tui.widgets.step_list import StepState


def fill(text: str, bindings: Bindings | None) -> str:
    """`${name}` placeholders filled where a binding is known (left as they are otherwise);
    an escaped `$${...}` shows as `${...}`."""
    from kubelab.lessons.render import fill as fill_placeholders

    known = bindings or {}
    return fill_placeholders(text, lambda name: str(known.get(name, "${" + name + "}")))


def step_state(
    step_id: str, passed: Mapping[str, bool], results: Mapping[str, StepResult]
) -> StepState:
    """The mark in the step list: passed (or passed with help), failing once checked, untried."""
    if step_id in passed:
        return "assisted" if passed[step_id] else "passed"
    result = results.get(step_id)
    if result is not None and result.status in ("failed", "error"):
        return "failed"
    return "untried"


def step_title(
    lesson: Lesson, index: int, assisted: bool | None, result: StepResult | None
) -> Text:
    """The lesson's title, then `Step n/total: title` with the step's state (`assisted` is None
    while the step is not passed)."""
    step = lesson.steps[index]
    title = Text()
    title.append(f"{lesson.title}\n", style="dim")
    title.append(f"Step {index + 1}/{len(lesson.steps)}: {step.title}", style="bold")
    if assisted is not None:
        title.append("  ✔ passed" + (" (assisted)" if assisted else ""), "green")
    elif result is not None and result.status in ("failed", "error"):
        bad = sum(1 for c in result.checks if c.status in ("failed", "error"))
        failing = count_text(bad, "check")
        title.append(f"  ✘ {failing} failing (results below)", "red")
    return title


def hints_markdown(step: Step, shown: int, bindings: Bindings | None) -> str:
    """The first `shown` hints of the step, numbered out of all of them."""
    return "\n\n".join(
        f"**Hint {number}/{len(step.hints)}:** {fill(hint.strip(), bindings)}"
        for number, hint in enumerate(step.hints[:shown], start=1)
    )


def solution_markdown(loaded: LoadedLesson, step: Step, bindings: Bindings | None) -> str:
    """The step's solution: each manifest it applies (a file that cannot be read says so in its
    place), then its commands."""
    lines = ["**Solution**", ""]
    for rel in step.solution.manifests:
        try:
            path = loaded.manifest_path(rel)
            content = fill(path.read_text(encoding="utf-8"), bindings)
        except (OSError, ValueError, LessonLoadError) as exc:
            content = f"# cannot read {rel}: {exc}"
        lines += [f"`{rel}`:", "", "```yaml", content.rstrip(), "```", ""]
    if step.solution.commands:
        lines += ["```"]
        lines += [fill(" ".join(argv), bindings) for argv in step.solution.commands]
        lines += ["```"]
    return "\n".join(lines)


def next_lesson_offer(course: Course | None, lesson: Lesson) -> str:
    """What to say once every step of `lesson` has passed: the next lesson of the course, if
    there is one."""
    ids = [loaded.lesson.id for loaded in course.lessons] if course else []
    where = ids.index(lesson.id) if lesson.id in ids else len(ids)
    if course is None or where + 1 >= len(ids):
        return f"Lesson {lesson.title!r} passed: that was the last lesson."
    upcoming = course.lessons[where + 1].lesson
    return f"Lesson {lesson.title!r} passed. n opens the next lesson: {upcoming.title}"
