"""Byte streams between simulated processes: pipes, sinks and collectors (text, not bytes).

A `Pipe` is what a command reads its stdin from; anything with an async `write(str)` is a
`Writer`. Pipes apply back-pressure (a writer waits while the buffer is full) and raise
`BrokenPipe` once the reader has gone, so `while true; do echo x; done | head -1` ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol


class BrokenPipe(Exception):
    """The reading end of a pipe was closed (SIGPIPE)."""


class Writer(Protocol):
    async def write(self, data: str) -> None: ...


class Pipe:
    """A one-way text pipe with a bounded buffer."""

    def __init__(self, data: str = "", *, closed: bool = False, limit: int = 1 << 16) -> None:
        self._buf = data
        self._eof = closed
        self._eof_marks = 0  # end-of-input marks from a terminal's Ctrl-D (each read once)
        self._reader_gone = False
        self._limit = limit
        self._changed = asyncio.Event()

    @classmethod
    def of(cls, text: str) -> Pipe:
        """A pipe already holding `text` and closed: reads give `text`, then EOF."""
        return cls(text, closed=True)

    @property
    def at_eof(self) -> bool:
        return self._eof and not self._buf

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def write(self, data: str) -> None:
        if self._reader_gone:
            raise BrokenPipe
        if self._eof:
            raise BrokenPipe
        self._buf += data
        self._notify()
        while len(self._buf) > self._limit and not self._reader_gone:
            await self._changed.wait()
        if self._reader_gone:
            raise BrokenPipe

    def feed(self, data: str) -> None:
        """Add data without waiting (used by the terminal side, which cannot block)."""
        if not self._eof:
            self._buf += data
            self._notify()

    @property
    def full(self) -> bool:
        """The buffer holds its limit or more, and someone may still read it."""
        return len(self._buf) >= self._limit and not self._reader_gone and not self._eof

    async def drained(self) -> None:
        """Wait until the reader has taken something (or is gone)."""
        if self.full:
            await self._changed.wait()

    def feed_eof(self) -> None:
        """A terminal's Ctrl-D: the reader's next read ends its input, later reads go on."""
        self._eof_marks += 1
        self._notify()

    def _take_mark(self) -> bool:
        if not self._buf and self._eof_marks:
            self._eof_marks -= 1
            return True
        return False

    def close(self) -> None:
        """End of input for the reader."""
        self._eof = True
        self._notify()

    def close_reader(self) -> None:
        """The reader is gone: further writes raise `BrokenPipe`."""
        self._reader_gone = True
        self._buf = ""
        self._notify()

    async def read(self) -> str:
        """The next chunk, or "" at end of input."""
        while not self._buf and not self._eof and not self._eof_marks:
            await self._changed.wait()
        if self._take_mark():
            return ""
        data, self._buf = self._buf, ""
        self._notify()
        return data

    async def readline(self) -> str:
        """One line including its newline; the rest at end of input; "" at end of input."""
        while "\n" not in self._buf and not self._eof and not self._eof_marks:
            await self._changed.wait()
        if self._take_mark():
            return ""
        cut = self._buf.find("\n")
        end = len(self._buf) if cut < 0 else cut + 1
        line, self._buf = self._buf[:end], self._buf[end:]
        self._notify()
        return line

    async def read_all(self) -> str:
        parts = []
        while chunk := await self.read():
            parts.append(chunk)
        return "".join(parts)


class OutOfMemory(Exception):
    """A collector's limit was reached: the shell is out of memory (a container's limit)."""


class Collector:
    """A writer keeping everything written to it (at most `limit` characters)."""

    def __init__(self, limit: int | None = None) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    async def write(self, data: str) -> None:
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise OutOfMemory
        self.parts.append(data)
        await asyncio.sleep(0)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class NullWriter:
    """/dev/null."""

    async def write(self, data: str) -> None:
        await asyncio.sleep(0)


class CallbackWriter:
    """A writer handing every chunk to an async callback (e.g. a websocket channel)."""

    def __init__(self, callback: Callable[[str], Awaitable[None]]) -> None:
        self._callback = callback

    async def write(self, data: str) -> None:
        if data:
            await self._callback(data)
