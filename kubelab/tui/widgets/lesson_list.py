"""The course's lessons with progress (done / in progress / not started)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from kubelab.lessons.loader import LoadedLesson


def lesson_state(total: int, passed: int) -> tuple[str, str, str]:
    """(mark, word, style) for a lesson with `passed` of `total` steps passed."""
    if passed >= total:
        return ("✔", "done", "green")
    if passed:
        return ("◐", "in progress", "yellow")
    return ("·", "not started", "dim")


def lesson_label(number: int, loaded: LoadedLesson, passed: int) -> Text:
    total = len(loaded.lesson.steps)
    mark, _, style = lesson_state(total, passed)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark} ", style=style)
    text.append(f"{passed}/{total} ", style=style)
    text.append(f"{number:02d} {loaded.lesson.title}")
    return text


class LessonList(OptionList):
    """Enter opens the highlighted lesson."""

    def set_lessons(self, rows: list[tuple[LoadedLesson, int]], highlight: int = 0) -> None:
        self.clear_options()
        self.add_options(
            Option(lesson_label(i + 1, loaded, passed), id=loaded.lesson.id)
            for i, (loaded, passed) in enumerate(rows)
        )
        if rows:
            self.highlighted = max(0, min(highlight, len(rows) - 1))
