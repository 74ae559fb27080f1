"""The course's lessons with progress (done / in progress / not started)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from kubelab.lessons.outline import LessonOutline


def lesson_state(total: int, passed: int) -> tuple[str, str, str]:
    """(mark, word, style) for a lesson with `passed` of `total` steps passed."""
    if passed >= total:
        return ("✔", "done", "green")
    if passed:
        return ("◐", "in progress", "yellow")
    return ("·", "not started", "dim")


def lesson_label(number: int, lesson: LessonOutline, passed: int) -> Text:
    total = len(lesson.steps)
    mark, _, style = lesson_state(total, passed)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark} ", style=style)
    text.append(f"{passed}/{total} ", style=style)
    text.append(f"{number:02d} {lesson.title}")
    return text


class LessonList(OptionList):
    """Enter opens the highlighted lesson."""

    def set_lessons(self, rows: list[tuple[LessonOutline, int]], highlight: int = 0) -> None:
        self.clear_options()
        self.add_options(
            Option(lesson_label(i + 1, lesson, passed), id=lesson.id)
            for i, (lesson, passed) in enumerate(rows)
        )
        if rows:
            self.highlighted = max(0, min(highlight, len(rows) - 1))
