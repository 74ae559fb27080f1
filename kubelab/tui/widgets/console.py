"""The console: the learner's shell (a real terminal) under the lesson, with a title line saying
where it runs (the workspace folder, the namespace) and how to leave it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from kubelab.tui.widgets.terminal import AlternateScreenChanged, Terminal

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kubelab.tui.services import ShellRunner


class Console(Vertical):
    """A title line and the terminal. A full-screen program (vim, `kubectl edit`, less) gets the
    whole screen while it runs."""

    ALLOW_MAXIMIZE: ClassVar[bool | None] = True

    def __init__(self, runner: ShellRunner, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._runner = runner
        self.workspace: str = ""
        self.namespace: str = ""
        self.leave_key = "ctrl+]"

    def compose(self) -> ComposeResult:
        yield Static("", id="console-title", markup=False)
        yield Terminal(self._runner, id="terminal")

    @property
    def terminal(self) -> Terminal:
        return self.query_one(Terminal)

    def on_mount(self) -> None:
        self.show_title()

    def start(
        self, argv: list[str], env: Mapping[str, str], cwd: Path, workspace: str, namespace: str
    ) -> None:
        self.workspace = workspace
        self.namespace = namespace
        self.terminal.start(argv, env, cwd)
        self.show_title()

    def set_namespace(self, namespace: str) -> None:
        self.namespace = namespace
        self.show_title()

    def show_title(self) -> None:
        if not self.is_mounted:
            return
        focused = self.terminal.has_focus
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" console ", style="bold reverse" if focused else "bold")
        # the way out first: at 80 columns a long workspace path is what gets cut
        hint = f" {self.leave_key}: back to the lesson" if focused else " i: type here"
        text.append(hint, style="bold" if focused else "dim")
        if self.namespace:
            text.append(f"  ns/{self.namespace}", style="cyan")
        if self.workspace:
            text.append(f"  {self.workspace}")
        self.query_one("#console-title", Static).update(text)

    def on_descendant_focus(self) -> None:
        self.show_title()

    def on_descendant_blur(self) -> None:
        self.show_title()

    def on_alternate_screen_changed(self, message: AlternateScreenChanged) -> None:
        message.stop()
        if message.active:
            self.screen.maximize(self, container=False)
        elif self.screen.maximized is self:
            self.screen.minimize()

    def command_running(self) -> bool:
        return self.terminal.command_running()

    def type_text(self, text: str) -> bool:
        self.terminal.focus()
        return self.terminal.type_text(text)

    def stop(self) -> None:
        self.terminal.stop()
