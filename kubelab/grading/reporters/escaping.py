"""What a report may print of text that came from outside (file names, object names, messages
quoting them): a submission's file can be named `\\x1b[2J` or hold a control character, and a
report is read in a terminal or parsed as XML by a CI system.

`printable` shows every non-printable character as its Python escape (`\\x1b`, `\\t`), so a name
can neither repaint the terminal nor break a line. `xml_safe` does the same for the characters
XML 1.0 does not allow at all (ElementTree would write them and make the file unreadable), and
keeps tabs and line breaks, which XML carries.
"""

from __future__ import annotations


def _escape(char: str) -> str:
    return repr(char)[1:-1] if char != "'" else char


def printable(text: str) -> str:
    """`text` with every non-printable character (control characters, ANSI escapes, line
    breaks) shown as an escape; one line of plain text."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escape(c) for c in text)


def _xml_allowed(char: str) -> bool:
    code = ord(char)
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def xml_safe(text: str) -> str:
    """`text` with the characters XML 1.0 forbids (and the ESC of terminal sequences) shown as
    escapes; well-formed in an attribute or an element."""
    return "".join(c if _xml_allowed(c) and c != "\x1b" else _escape(c) for c in text)
