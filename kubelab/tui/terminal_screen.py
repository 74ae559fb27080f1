"""The console's emulated screen: pyte's VT screen with scrollback and the alternate screen.

pyte (a VT100/xterm emulator) keeps the visible cells. What it leaves to its users, added here:
lines scrolled off the top are kept (the learner scrolls back with the mouse wheel); the
alternate screen (DEC private modes 47/1047/1049, used by vim, less, nano, `kubectl edit`)
saves the shell's screen and gives it back when the program ends; answers to the program's
queries (device attributes, cursor position) go back to it. Nothing here imports textual.
"""

from __future__ import annotations

import inspect
from collections import deque
from collections.abc import Callable
from typing import Any

import pyte
from pyte.screens import Char, Cursor, StaticDefaultDict

SCROLLBACK_LINES = 2000
# DEC private modes, as pyte stores them (shifted left by 5 to tell them from ANSI modes)
APPLICATION_CURSOR = 1 << 5
BRACKETED_PASTE = 2004 << 5
ALTERNATE_SCREENS = frozenset({47 << 5, 1047 << 5, 1049 << 5})

Line = StaticDefaultDict[int, Char]


class TerminalScreen(pyte.Screen):
    """A pyte screen that keeps its scrollback and knows the alternate screen."""

    def __init__(self, columns: int, lines: int) -> None:
        self.scrollback: deque[Line] = deque(maxlen=SCROLLBACK_LINES)
        self.reply: Callable[[str], None] = lambda data: None
        """Where answers to the program's queries go (the pty)."""
        self._saved: tuple[dict[int, Line], Cursor, set[int]] | None = None
        super().__init__(columns, lines)

    @property
    def alternate(self) -> bool:
        """A full-screen program (vim, less) has the alternate screen."""
        return self._saved is not None

    @property
    def application_cursor(self) -> bool:
        return APPLICATION_CURSOR in self.mode

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self.mode

    def write_process_input(self, data: str) -> None:
        self.reply(data)

    def index(self) -> None:
        top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == bottom and top == 0 and not self.alternate:
            # the top line scrolls off the whole screen: keep it
            self.scrollback.append(self.buffer[top])
        super().index()

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        super().erase_in_display(how, *args, **kwargs)
        if how == 3:  # `clear` also asks to forget the scrollback
            self.scrollback.clear()

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        private = bool(kwargs.get("private"))
        if private and not self.alternate and any(m << 5 in ALTERNATE_SCREENS for m in modes):
            self._enter_alternate()
        super().set_mode(*modes, **kwargs)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        private = bool(kwargs.get("private"))
        if private and self.alternate and any(m << 5 in ALTERNATE_SCREENS for m in modes):
            self._leave_alternate()
        super().reset_mode(*modes, **kwargs)

    def _enter_alternate(self) -> None:
        saved_cursor = Cursor(self.cursor.x, self.cursor.y, self.cursor.attrs)
        saved_cursor.hidden = self.cursor.hidden
        self._saved = (dict(self.buffer), saved_cursor, set(self.mode))
        self.buffer.clear()
        self.dirty.update(range(self.lines))

    def _leave_alternate(self) -> None:
        assert self._saved is not None
        buffer, cursor, _mode = self._saved
        self._saved = None
        self.buffer.clear()
        for y, line in buffer.items():
            if y < self.lines:
                self.buffer[y] = line
        self.cursor = cursor
        self.cursor.x = min(self.cursor.x, self.columns - 1)
        self.cursor.y = min(self.cursor.y, self.lines - 1)
        self.dirty.update(range(self.lines))

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """A new size. Unlike pyte's own resize (which drops lines from the top but leaves the
        cursor where it was), the content and the cursor move up together, only as far as the
        cursor needs to stay on screen; what leaves the top goes to the scrollback."""
        lines = lines or self.lines
        columns = columns or self.columns
        if (lines, columns) == (self.lines, self.columns):
            return
        dropped = max(0, self.cursor.y - (lines - 1))
        if dropped:
            if not self.alternate:
                self.scrollback.extend(self.buffer[y] for y in range(dropped))
            moved = {y - dropped: line for y, line in self.buffer.items() if y >= dropped}
            self.buffer.clear()
            self.buffer.update(moved)
            self.cursor.y -= dropped
        for y in [y for y in self.buffer if y >= lines]:
            del self.buffer[y]
        if columns < self.columns:
            for line in self.buffer.values():
                for x in range(columns, self.columns):
                    line.pop(x, None)
        self.lines, self.columns = lines, columns
        self.tabstops = set(range(8, columns, 8))
        self.set_margins()
        self.cursor.x = min(self.cursor.x, columns - 1)
        self.cursor.y = min(self.cursor.y, lines - 1)
        self.dirty.update(range(lines))

    def visible_lines(self, back: int) -> list[Line]:
        """The lines to show, `back` lines up into the scrollback (0: the screen as it is)."""
        history = list(self.scrollback) if back else []
        back = min(back, len(history))
        screen = [self.buffer[y] for y in range(self.lines)]
        if not back:
            return screen
        return (history[len(history) - back :] + screen)[: self.lines]


def _ignore_private(name: str) -> Callable[..., None]:
    """`name` of pyte's screen, taking (and ignoring) the DEC private variants of its sequence:
    pyte's parser passes `private=True` to every CSI handler, most of which do not accept it
    (vim sends `CSI ? 4 m`, a query of its modifier-key mode, at start)."""
    base = getattr(pyte.Screen, name)

    def handler(self: pyte.Screen, *args: Any, private: bool = False, **kwargs: Any) -> None:
        if not private:
            base(self, *args, **kwargs)

    handler.__name__ = name
    return handler


for _name in sorted(set(pyte.Stream.csi.values())):
    _params = inspect.signature(getattr(pyte.Screen, _name)).parameters.values()
    if not any(p.name == "private" or p.kind is p.VAR_KEYWORD for p in _params):
        setattr(TerminalScreen, _name, _ignore_private(_name))


def plain_line(screen: TerminalScreen, line: Line) -> str:
    """A screen line as text (wide characters once, trailing blanks dropped)."""
    chars: list[str] = []
    for x in range(screen.columns):
        data = line[x].data
        if data:  # the cell after a wide character is empty
            chars.append(data)
    return "".join(chars).rstrip()
