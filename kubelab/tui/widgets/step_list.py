"""The lesson's steps with their state: passed, passed with help, failing, not tried."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

StepState = Literal["passed", "assisted", "failed", "untried"]
MARKS: dict[StepState, tuple[str, str]] = {
    "passed": ("✔", "green"),
    "assisted": ("✔*", "yellow"),
    "failed": ("✘", "red"),
    "untried": ("·", "dim"),
}


def step_label(number: int, title: str, state: StepState) -> Text:
    mark, style = MARKS[state]
    text = Text()
    text.append(f"{mark:<2} ", style=style)
    text.append(f"{number}. {title}")
    return text


class StepList(OptionList):
    """Selecting a step opens it."""

    def set_steps(self, steps: list[tuple[str, str, StepState]], current: int) -> None:
        self.clear_options()
        self.add_options(
            Option(step_label(i + 1, title, state), id=step_id)
            for i, (step_id, title, state) in enumerate(steps)
        )
        self.highlighted = current
