"""What an xterm sends for a key, by Textual's key names (`up`, `ctrl+c`, `shift+f5`...).

The console's shell and the programs it runs (readline, vim, less, nano) read these bytes as
from any xterm-compatible terminal. Nothing here imports textual.
"""

from __future__ import annotations

import re

# keys sent as CSI sequences; the cursor keys and Home/End have an "application" form (SS3)
# which full-screen programs switch on (DECCKM)
_CURSOR = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_TILDE = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}
_SS3_FUNCTION = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_SIMPLE = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": "\x1b[Z",
    "escape": "\x1b",
    "backspace": "\x7f",
    "ctrl+h": "\x08",
    "ctrl+space": "\x00",
    "ctrl+at": "\x00",
    "ctrl+@": "\x00",
    "ctrl+left_square_bracket": "\x1b",
    "ctrl+backslash": "\x1c",
    "ctrl+right_square_bracket": "\x1d",
    "ctrl+circumflex_accent": "\x1e",
    "ctrl+underscore": "\x1f",
    "ctrl+question_mark": "\x7f",
}
# xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4)
_MODIFIERS = {"shift": 1, "alt": 2, "meta": 2, "ctrl": 4}
_CTRL_LETTER = re.compile(r"^ctrl\+([a-z])$")


def key_bytes(key: str, character: str | None, *, application_cursor: bool = False) -> bytes:
    """The bytes for a key press (b"" when the key has no terminal encoding)."""
    if key in _SIMPLE:
        return _SIMPLE[key].encode()
    if match := _CTRL_LETTER.match(key):
        return bytes([ord(match.group(1)) & 0x1F])
    *mods, base = key.split("+")
    modifier = 1 + sum(_MODIFIERS.get(m, 0) for m in mods)
    if all(m in _MODIFIERS for m in mods):
        if base in _CURSOR:
            final = _CURSOR[base]
            if modifier > 1:
                return f"\x1b[1;{modifier}{final}".encode()
            return (f"\x1bO{final}" if application_cursor else f"\x1b[{final}").encode()
        if base in _TILDE:
            suffix = f";{modifier}" if modifier > 1 else ""
            return f"\x1b[{_TILDE[base]}{suffix}~".encode()
        if base in _SS3_FUNCTION:
            if modifier > 1:
                return f"\x1b[1;{modifier}{_SS3_FUNCTION[base]}".encode()
            return f"\x1bO{_SS3_FUNCTION[base]}".encode()
    if mods in (["alt"], ["meta"]) and character is None and len(base) == 1:
        return b"\x1b" + base.encode()
    if character:
        text = character
        if mods and mods[0] in ("alt", "meta") and not text.startswith("\x1b"):
            text = "\x1b" + text
        return text.encode("utf-8", errors="replace")
    return b""


def paste_bytes(text: str, *, bracketed: bool) -> bytes:
    """Pasted (or copied-in) text: inside bracketed-paste marks when the program asked for them,
    so a shell takes it as typed text and runs nothing; newlines as a terminal sends them (CR)."""
    body = text.replace("\r\n", "\n").replace("\n", "\r")
    if bracketed:
        body = "\x1b[200~" + body.replace("\x1b[201~", "") + "\x1b[201~"
    return body.encode("utf-8", errors="replace")
