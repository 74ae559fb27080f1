"""The console: the learner types `kubectl ...` and sees its output, without leaving the app.

Commands run as argument lists (never through a shell) in a pseudo-terminal, so interactive
flows work: while a command runs, typed lines go to it, and Ctrl-C / Ctrl-D reach it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Log
from textual.worker import Worker, get_current_worker

from kubelab.tui.console_process import (
    ConsoleInputError,
    ConsoleProcess,
    ConsoleStartError,
    clean_output,
    display,
    kubectl_argv,
    parse_command,
)
from kubelab.tui.messages import ConsoleExited, ConsoleOutput

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster
    from kubelab.tui.services import ConsoleRunner

HISTORY_LIMIT = 200
BATCH_SECONDS = 0.03


class Console(Vertical):
    """kubectl in a pty: a scrollable log, a prompt naming the cluster, an input line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+c",
            "interrupt",
            "Interrupt",
            id="console.interrupt",
            tooltip="Send Ctrl-C to the running command (clears the line when none runs)",
            priority=True,
        ),
        Binding(
            "ctrl+d",
            "end_of_file",
            "EOF",
            id="console.eof",
            tooltip="Send Ctrl-D (end of input) to the running command",
            priority=True,
        ),
        Binding("up", "history(-1)", "Previous", id="console.history_up", show=False),
        Binding("down", "history(1)", "Next", id="console.history_down", show=False),
        Binding(
            "escape",
            "leave",
            "Leave console",
            id="console.leave",
            tooltip="Move the focus back to the lesson",
        ),
    ]

    def __init__(self, runner: ConsoleRunner, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._runner = runner
        self._kubectl: Path | None = None
        self._cluster: LabCluster | None = None
        self._namespace: str | None = None
        self._env: dict[str, str] = {}
        self.process: ConsoleProcess | None = None
        self.running: str | None = None
        self.history: list[str] = []
        self._history_pos = 0
        self.transcript: list[str] = []
        """Everything written to the log (plain text), for tests and copy."""

    def compose(self) -> ComposeResult:
        yield Log(id="console-log", max_lines=5000)
        with Horizontal(id="console-line"):
            yield Label("", id="console-prompt")
            yield Input(placeholder="kubectl get pods", id="console-input")

    def on_mount(self) -> None:
        self._show_prompt()

    # -- target ---------------------------------------------------------------------------------

    def set_target(
        self,
        kubectl: Path,
        cluster: LabCluster,
        namespace: str,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """Point the console at a cluster and namespace."""
        self._kubectl = kubectl
        self._cluster = cluster
        self._namespace = namespace
        base = dict(os.environ if env is None else env)
        base.update(cluster.env())
        base.setdefault("TERM", "xterm-256color")
        self._env = base
        self._show_prompt()

    @property
    def target(self) -> str:
        if self._cluster is None:
            return "no cluster yet"
        return f"{self._cluster.provider}:{self._cluster.name} ns/{self._namespace}"

    def _show_prompt(self) -> None:
        if not self.is_mounted:
            return
        prompt = self.query_one("#console-prompt", Label)
        field = self.query_one("#console-input", Input)
        if self.running is not None:
            prompt.update(f"▶ {self.running} ⟩ ")
            field.placeholder = "typed lines go to the command · ctrl+c interrupt · ctrl+d EOF"
        else:
            prompt.update(f"{self.target} $ ")
            field.placeholder = "kubectl get pods"

    # -- output ---------------------------------------------------------------------------------

    def write(self, text: str) -> None:
        self.transcript.append(text)
        self.query_one("#console-log", Log).write(text)

    def on_console_output(self, message: ConsoleOutput) -> None:
        message.stop()
        self.write(message.text)

    def on_console_exited(self, message: ConsoleExited) -> None:
        self.process = None
        self.running = None
        status = "?" if message.code is None else str(message.code)
        self.write(f"\n[exit {status}]\n" if message.code else "\n")
        self._show_prompt()

    # -- input ----------------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        line = event.value
        event.input.value = ""
        if self.process is not None:
            self.process.send_line(line)
            return
        self.submit(line)

    def submit(self, line: str) -> None:
        """Run a console line as if the learner typed it and pressed Enter."""
        if self.process is not None:
            self.process.send_line(line)
            return
        if not line.strip():
            return
        self.history.append(line)
        del self.history[:-HISTORY_LIMIT]
        self._history_pos = len(self.history)
        self.write(f"$ {line}\n")
        if line.strip() == "clear":
            self.query_one("#console-log", Log).clear()
            return
        try:
            argv = parse_command(line)
        except ConsoleInputError as exc:
            self.write(f"{exc}\n")
            return
        if self._kubectl is None or self._cluster is None:
            self.write("the lab cluster is not ready yet; wait for provisioning to finish\n")
            return
        full = kubectl_argv(
            self._kubectl, argv, namespace=self._namespace, context=self._cluster.context
        )
        log = self.query_one("#console-log", Log)
        cols = max(40, (log.size.width or 80) - 1)
        rows = max(5, log.size.height or 10)
        try:
            self.process = self._runner.spawn(full, self._env, (rows, cols))
        except ConsoleStartError as exc:
            self.write(f"{exc}\n")
            return
        self.running = display(argv)
        self._show_prompt()
        self._pump(self.process, self.running)

    def prefill(self, text: str) -> None:
        """Put `text` on the input line (e.g. a command copied from the lesson) and focus it."""
        field = self.query_one("#console-input", Input)
        field.value = text
        field.cursor_position = len(text)
        field.focus()

    @work(thread=True, group="console", exit_on_error=False)
    def _pump(self, process: ConsoleProcess, command: str) -> None:
        pending: list[str] = []
        flushed = time.monotonic()
        worker = get_current_worker()
        while True:
            if worker.is_cancelled:
                # the console is going away (screen closed, app quitting): end the command
                process.terminate()
                return
            data = process.read(BATCH_SECONDS)
            if data is None:
                break
            if data:
                pending.append(data)
            now = time.monotonic()
            if pending and (not data or now - flushed >= BATCH_SECONDS):
                self.post_message(ConsoleOutput(clean_output("".join(pending))))
                pending.clear()
                flushed = now
        if pending:
            self.post_message(ConsoleOutput(clean_output("".join(pending))))
        self.post_message(ConsoleExited(command, process.exit_status()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # StateChanged does not bubble: hand it to the app's one handler for worker failures
        handler = getattr(self.app, "on_worker_state_changed", None)
        if handler is not None:
            handler(event)

    # -- actions --------------------------------------------------------------------------------

    def action_interrupt(self) -> None:
        if self.process is not None:
            self.process.interrupt()
        else:
            self.query_one("#console-input", Input).value = ""

    def action_end_of_file(self) -> None:
        if self.process is not None:
            self.process.end_of_file()

    def action_history(self, direction: int) -> None:
        if self.process is not None or not self.history:
            return
        self._history_pos = max(0, min(len(self.history), self._history_pos + direction))
        field = self.query_one("#console-input", Input)
        text = self.history[self._history_pos] if self._history_pos < len(self.history) else ""
        field.value = text
        field.cursor_position = len(text)

    def action_leave(self) -> None:
        self.screen.focus_next("#lesson-body, #step-list")

    def stop(self) -> None:
        """End the running command (the screen is closing)."""
        if self.process is not None:
            self.process.terminate()

    def on_unmount(self) -> None:
        self.stop()
