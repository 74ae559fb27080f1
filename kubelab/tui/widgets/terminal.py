"""A terminal emulator widget: a shell in a pty, drawn from pyte's screen.

While it has the focus every key goes to the shell (Tab, Esc, Ctrl-C, q, Ctrl-P...) except one
chord, Ctrl-] (remappable, id `console.leave`), which gives the focus back to the lesson.
Output is read by a worker thread and fed to the emulator on the app's thread; the widget draws
the emulator's cells with their colours, and the cursor when it has the focus. The mouse wheel
scrolls back through what left the top of the screen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pyte
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import get_current_worker

from kubelab.tui.shell_session import ShellSession, ShellStartError
from kubelab.tui.terminal_keys import key_bytes, paste_bytes
from kubelab.tui.terminal_screen import Line, TerminalScreen, plain_line

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kubelab.tui.services import ShellRunner

BATCH_SECONDS = 0.01
LEAVE_KEY = "ctrl+right_square_bracket"
SCROLL_STEP = 3


@dataclass
class TerminalOutput(Message):
    """Bytes the shell wrote."""

    data: bytes

    def can_replace(self, message: Message) -> bool:
        return False


@dataclass
class TerminalExited(Message):
    """The shell ended (its exit code, None if unknown)."""

    code: int | None


class TerminalLeft(Message):
    """The learner pressed the chord that leaves the console."""


class AlternateScreenChanged(Message):
    """A full-screen program (vim, less, `kubectl edit`) took the screen, or gave it back."""

    def __init__(self, active: bool) -> None:
        super().__init__()
        self.active = active


_NAMED = {"brown": "yellow", "default": "default"}


@lru_cache(maxsize=512)
def _color(name: str) -> Color | None:
    """pyte's colour name ("red", "brightbrown", "ff8700") as a rich Color."""
    if name == "default":
        return None
    name = name.replace("bfight", "bright")  # a typo in pyte's table of bright backgrounds
    bright = name.startswith("bright")
    base = name.removeprefix("bright")
    base = _NAMED.get(base, base)
    if len(base) == 6 and all(c in "0123456789abcdefABCDEF" for c in base):
        return Color.parse(f"#{base}")
    try:
        return Color.parse(f"bright_{base}" if bright else base)
    except Exception:  # an unknown name draws in the default colour
        return None


@lru_cache(maxsize=4096)
def _style(
    fg: str, bg: str, bold: bool, italic: bool, underline: bool, strike: bool, reverse: bool
) -> Style:
    return Style(
        color=_color(fg),
        bgcolor=_color(bg),
        bold=bold or None,
        italic=italic or None,
        underline=underline or None,
        strike=strike or None,
        reverse=reverse or None,
    )


def line_segments(line: Line, columns: int, cursor: int | None) -> list[Segment]:
    """One emulated line as segments, runs of equal style joined; `cursor` is drawn reversed."""
    segments: list[Segment] = []
    run: list[str] = []
    run_style: Style | None = None
    for x in range(columns):
        char = line[x]
        if not char.data:  # the second cell of a wide character
            continue
        reverse = char.reverse != (x == cursor)
        style = _style(
            char.fg, char.bg, char.bold, char.italics, char.underscore, char.strikethrough, reverse
        )
        if style is not run_style and run:
            segments.append(Segment("".join(run), run_style))
            run = []
        run_style = style
        run.append(char.data)
    if run:
        segments.append(Segment("".join(run), run_style))
    return segments


class Terminal(Widget, can_focus=True):
    """The learner's shell in a pty, emulated."""

    TAKES_EVERY_KEY: ClassVar[bool] = True
    """While it has the focus, no key acts on the app (read by the app without importing this
    module, which the first frame does not need)."""

    DEFAULT_CSS = """
    Terminal {
        height: 1fr;
        width: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            LEAVE_KEY,
            "leave",
            "Back to the lesson",
            id="console.leave",
            key_display="ctrl+]",
            tooltip="Leave the console: every other key goes to the shell",
            priority=True,
        ),
    ]

    def __init__(self, runner: ShellRunner, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._runner = runner
        self.vt = TerminalScreen(80, 24)
        self._stream = pyte.ByteStream(self.vt)
        self.vt.reply = self._reply
        self.session: ShellSession | None = None
        self.back = 0
        """How many lines the view is scrolled back into the scrollback."""
        self._launch: tuple[list[str], dict[str, str], Path] | None = None
        self._was_alternate = False
        self.exited: int | None = None
        self.emulator_errors: list[str] = []
        self.transcript: list[str] = []
        """Lines that scrolled off the top, as text (tests read the whole output)."""

    # -- the shell --------------------------------------------------------------------------------

    def start(self, argv: list[str], env: Mapping[str, str], cwd: Path) -> None:
        """Start the shell (again, after it ended) at the widget's size."""
        self._launch = (list(argv), dict(env), cwd)
        rows, cols = self._pty_size()
        self.vt.resize(rows, cols)
        try:
            self.session = self._runner.spawn(list(argv), env, cwd, (rows, cols))
        except ShellStartError as exc:
            self.session = None
            self.show_notice(f"{exc}")
            return
        self.exited = None
        self._read(self.session)

    def _pty_size(self) -> tuple[int, int]:
        size = self.size
        return (max(2, size.height or 24), max(10, size.width or 80))

    @work(thread=True, group="terminal", exit_on_error=False)
    def _read(self, session: ShellSession) -> None:
        worker = get_current_worker()
        pending: list[bytes] = []
        flushed = time.monotonic()
        while not worker.is_cancelled:
            data = session.read(BATCH_SECONDS)
            if data is None:
                break
            if data:
                pending.append(data)
            now = time.monotonic()
            if pending and (not data or now - flushed >= BATCH_SECONDS):
                self.post_message(TerminalOutput(b"".join(pending)))
                pending.clear()
                flushed = now
        if pending:
            self.post_message(TerminalOutput(b"".join(pending)))
        if not worker.is_cancelled:
            session.close()
            self.post_message(TerminalExited(session.wait_exit()))

    def on_terminal_output(self, message: TerminalOutput) -> None:
        message.stop()
        self.feed(message.data)

    def feed(self, data: bytes) -> None:
        """Output of the shell, drawn."""
        before = len(self.vt.scrollback)
        try:
            self._stream.feed(data)
        except Exception as exc:  # an emulator fault must not take the lesson down
            self.log.error(f"terminal emulator: {exc!r} on {data[:200]!r}")
            self._stream = pyte.ByteStream(self.vt)  # a parser stuck mid-sequence starts over
            if not self.emulator_errors:
                self.vt.draw(f" [the console could not draw some output: {exc}] ")
            self.emulator_errors.append(repr(exc))
        added = len(self.vt.scrollback) - before
        if added > 0:
            self.transcript.extend(
                plain_line(self.vt, line) for line in list(self.vt.scrollback)[-added:]
            )
        if self.back:
            self.back = min(len(self.vt.scrollback), self.back + max(0, added))
        if self.vt.alternate != self._was_alternate:
            self._was_alternate = self.vt.alternate
            self.post_message(AlternateScreenChanged(self.vt.alternate))
        self.vt.dirty.clear()
        self.refresh()

    def on_terminal_exited(self, message: TerminalExited) -> None:
        message.stop()
        self.session = None
        self.exited = message.code
        code = "" if message.code in (None, 0) else f" (exit {message.code})"
        self.show_notice(f"The shell ended{code}. Press Enter for a new one.")

    def show_notice(self, text: str) -> None:
        """A line from kubelab itself (not the shell), dim, on the console."""
        start = "" if self.vt.cursor.x == 0 else "\r\n"
        self.feed(f"{start}\x1b[2m[{text}]\x1b[0m\r\n".encode())

    def _reply(self, data: str) -> None:
        if self.session is not None:
            self.session.write(data.encode())

    def send(self, data: bytes) -> None:
        """Bytes to the shell, as if typed (the view returns to the bottom)."""
        if self.session is None:
            return
        if self.back:
            self.back = 0
            self.refresh()
        self.session.write(data)

    def type_text(self, text: str) -> bool:
        """Type `text` at the shell's prompt without running it; False when a command holds the
        terminal (the text would go to it instead) or no shell runs."""
        if self.session is None or self.session.foreground_command():
            return False
        # Ctrl-E Ctrl-U: to the end of what is typed, then clear it (readline and most shells)
        self.send(b"\x05\x15" + paste_bytes(text, bracketed=self.vt.bracketed_paste))
        return True

    def command_running(self) -> bool:
        """A command started in the console is still running (the shell is not at its prompt)."""
        return self.session is not None and self.session.foreground_command()

    def stop(self) -> None:
        """End the shell and what runs in it (the console is going away)."""
        self.workers.cancel_group(self, "terminal")
        if self.session is not None:
            self.session.close()
            self.session = None

    def on_unmount(self) -> None:
        self.stop()

    def text(self) -> str:
        """The visible screen as text (tests, captures)."""
        return "\n".join(plain_line(self.vt, line) for line in self.vt.visible_lines(self.back))

    # -- keys and mouse -------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        if self.session is None:
            if event.key == "enter" and self._launch is not None:
                self.start(*self._launch)
            return
        data = key_bytes(event.key, event.character, application_cursor=self.vt.application_cursor)
        if data:
            self.send(data)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.send(paste_bytes(event.text, bracketed=self.vt.bracketed_paste))

    def action_leave(self) -> None:
        self.post_message(TerminalLeft())

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        if not self.vt.alternate:
            self.back = min(len(self.vt.scrollback), self.back + SCROLL_STEP)
            self.refresh()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.back = max(0, self.back - SCROLL_STEP)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- size and drawing -----------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        rows, cols = self._pty_size()
        if (rows, cols) != (self.vt.lines, self.vt.columns):
            self.vt.resize(rows, cols)
            if self.session is not None:
                self.session.resize(rows, cols)
            self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(2, container.height)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        lines = self.vt.visible_lines(self.back)
        if y >= len(lines):
            return Strip.blank(width, self.rich_style)
        cursor = self.vt.cursor
        show_cursor = self.has_focus and not self.back and not cursor.hidden and y == cursor.y
        segments = line_segments(lines[y], self.vt.columns, cursor.x if show_cursor else None)
        if show_cursor and cursor.x >= sum(len(s.text) for s in segments):
            # the cursor sits past the last character written on the line
            filled = sum(len(s.text) for s in segments)
            segments.append(Segment(" " * (cursor.x - filled)))
            segments.append(Segment(" ", Style(reverse=True)))
        base = self.rich_style
        strip = Strip(Segment.apply_style(segments, base), None)
        return strip.extend_cell_length(width, base).crop(0, width)
