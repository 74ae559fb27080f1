"""Where every failure of a worker ends up: the message and what to do, never a traceback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def describe_error(error: BaseException) -> tuple[str, str | None]:
    """(message, what to do) for an exception raised in a worker."""
    from kubelab.cluster.base import ClusterError
    from kubelab.grading.actions import ActionFailed
    from kubelab.grading.context import GradingError

    if isinstance(error, ClusterError):
        return (error.message, error.hint)
    if isinstance(error, ActionFailed):
        return (str(error), "look at the objects with kubectl in the console; r resets the step")
    if isinstance(error, GradingError):
        return (str(error), "`kubelab lint` checks the lesson; `kubelab status` the cluster")
    lesson_problems = getattr(error, "problems", None)
    if isinstance(lesson_problems, list) and lesson_problems:
        return (
            "\n".join(str(p) for p in lesson_problems),
            "fix the lesson file (`kubelab lint` lists every problem)",
        )
    text = str(error) or type(error).__name__
    return (f"{type(error).__name__}: {text}", None)


class ErrorScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "close", "Close", id="error.close")
    ]

    def __init__(self, title: str, message: str, hint: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="error-title", markup=False)
            yield Static(self.message, id="error-message", markup=False)
            if self.hint:
                yield Static(f"What to do: {self.hint}", id="error-hint", markup=False)
            yield Button("Close (esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
