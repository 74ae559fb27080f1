"""Regular expressions of the commands inside pods (grep, sed, awk), on a linear-time engine.

Python's `re` backtracks: `grep -E '^(a+)+$'` on 29 characters takes seconds and doubles with
every character, all of it inside the API server's event loop. RE2 (google-re2) matches in time
linear in the input whatever the pattern, so a pod's command can never stall the simulator with
a regular expression. RE2 has no back-references (`\\(a\\)\\1`), which need backtracking: such a
pattern is refused plainly ("not supported by the simulator"), never run on a backtracking
engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Protocol, cast

import re2

MAX_MEMORY = 8 << 20  # bytes RE2 may use for one compiled pattern (its default is 8 MiB too)


class RegexError(ValueError):
    """A pattern RE2 cannot compile; `message` says why, in grep's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Match(Protocol):
    def group(self, index: int = 0) -> str: ...


class Regex(Protocol):
    def search(self, text: str) -> Match | None: ...

    def finditer(self, text: str) -> Iterator[Match]: ...

    def split(self, text: str) -> list[str]: ...

    def sub(self, repl: str | Callable[[Match], str], text: str, count: int = 0) -> str: ...

    def subn(self, repl: str, text: str, count: int = 0) -> tuple[str, int]: ...


def _options() -> object:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is the user's error, answered, not logged
    options.max_mem = MAX_MEMORY
    return cast(object, options)


@functools.lru_cache(maxsize=256)
def compile_regex(pattern: str, *, ignore_case: bool = False) -> Regex:
    """`pattern` (Python/RE2 syntax) compiled by RE2; raises `RegexError`."""
    try:
        compiled = re2.compile(("(?i)" if ignore_case else "") + pattern, _options())
    except re2.error as exc:
        raw = exc.args[0] if exc.args else exc
        reason = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
        if "invalid escape sequence: \\" in reason and reason[-1:].isdigit():
            raise RegexError("back-references are not supported by the simulator") from None
        raise RegexError(reason) from None
    return cast(Regex, compiled)


def escape(text: str) -> str:
    escaped: str = re2.escape(text)
    return escaped
