"""Go's `encoding/json` syntax errors, for bodies kube-apiserver cannot parse.

kube-apiserver reads a body's apiVersion/kind with `json.Unmarshal`
(staging/src/k8s.io/apimachinery/pkg/runtime/serializer/json/meta.go), which checks the whole
input with the scanner of src/encoding/json/scanner.go first: the first byte that cannot come
next is reported as `invalid character 'x' <context>`, an input that stops early as
`unexpected end of JSON input`. `go_syntax_error` walks the same states.
"""

from __future__ import annotations

from typing import Final

_SPACE: Final = b" \t\r\n"
_DIGITS: Final = b"0123456789"
_HEX: Final = b"0123456789abcdefABCDEF"
_LITERALS: Final = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_ESCAPES: Final = b'bfnrt\\/"'
_GO_QUOTE: Final = {
    0x07: "\\a",
    0x08: "\\b",
    0x0C: "\\f",
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
    0x0B: "\\v",
    0x5C: "\\\\",
}
MAX_DEPTH: Final = 10000
END_OF_INPUT: Final = "unexpected end of JSON input"


def quote_char(c: int) -> str:
    """scanner.go `quoteChar`: the byte as Go's strconv.Quote writes it, in single quotes."""
    if c == ord("'"):
        return "'\\''"
    if c == ord('"'):
        return "'\"'"
    if c in _GO_QUOTE:
        return f"'{_GO_QUOTE[c]}'"
    if c < 0x20 or c == 0x7F:
        return f"'\\x{c:02x}'"
    if 0x80 <= c <= 0xA0 or c == 0xAD:  # a byte is the rune U+00XX: these are not printable
        return f"'\\u{c:04x}'"
    return f"'{chr(c)}'"


class _Syntax(Exception):
    pass


def _invalid(c: int, context: str) -> _Syntax:
    return _Syntax(f"invalid character {quote_char(c)} {context}")


class _Scanner:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.i = 0

    def peek(self) -> int | None:
        return self.data[self.i] if self.i < len(self.data) else None

    def next(self) -> int:
        c = self.peek()
        if c is None:
            raise _Syntax(END_OF_INPUT)
        self.i += 1
        return c

    def skip_space(self) -> None:
        while self.i < len(self.data) and self.data[self.i] in _SPACE:
            self.i += 1

    def value(self, depth: int) -> None:
        self.skip_space()
        c = self.next()
        if c == ord("{"):
            self.nested(depth)
            self.object(depth + 1)
        elif c == ord("["):
            self.nested(depth)
            self.array(depth + 1)
        elif c == ord('"'):
            self.string()
        elif c == ord("-") or c in _DIGITS:
            self.number(c)
        elif c in _LITERALS:
            for expected in _LITERALS[c][1:]:
                got = self.next()
                if got != expected:
                    word = _LITERALS[c].decode()
                    raise _invalid(got, f"in literal {word} (expecting {quote_char(expected)})")
        else:
            raise _invalid(c, "looking for beginning of value")

    @staticmethod
    def nested(depth: int) -> None:
        if depth + 1 > MAX_DEPTH:
            raise _Syntax("exceeded max depth")

    def object(self, depth: int) -> None:
        self.skip_space()
        c = self.next()
        if c == ord("}"):
            return
        while True:
            if c != ord('"'):
                raise _invalid(c, "looking for beginning of object key string")
            self.string()
            self.skip_space()
            c = self.next()
            if c != ord(":"):
                raise _invalid(c, "after object key")
            self.value(depth)
            self.skip_space()
            c = self.next()
            if c == ord("}"):
                return
            if c != ord(","):
                raise _invalid(c, "after object key:value pair")
            self.skip_space()
            c = self.next()

    def array(self, depth: int) -> None:
        self.skip_space()
        if self.peek() == ord("]"):
            self.i += 1
            return
        while True:
            self.value(depth)
            self.skip_space()
            c = self.next()
            if c == ord("]"):
                return
            if c != ord(","):
                raise _invalid(c, "after array element")

    def string(self) -> None:
        while True:
            c = self.next()
            if c == ord('"'):
                return
            if c == ord("\\"):
                e = self.next()
                if e == ord("u"):
                    for _ in range(4):
                        h = self.next()
                        if h not in _HEX:
                            raise _invalid(h, "in \\u hexadecimal character escape")
                elif e not in _ESCAPES:
                    raise _invalid(e, "in string escape code")
            elif c < 0x20:
                raise _invalid(c, "in string literal")

    def digits(self) -> None:
        while self.i < len(self.data) and self.data[self.i] in _DIGITS:
            self.i += 1

    def number(self, first: int) -> None:
        if first == ord("-"):
            first = self.next()
            if first not in _DIGITS:
                raise _invalid(first, "in numeric literal")
        if first != ord("0"):
            self.digits()
        if self.peek() == ord("."):
            self.i += 1
            c = self.next()
            if c not in _DIGITS:
                raise _invalid(c, "after decimal point in numeric literal")
            self.digits()
        if self.peek() in (ord("e"), ord("E")):
            self.i += 1
            c = self.next()
            if c in (ord("+"), ord("-")):
                c = self.next()
            if c not in _DIGITS:
                raise _invalid(c, "in exponent of numeric literal")
            self.digits()


def go_syntax_error(data: bytes) -> str | None:
    """The error `json.Unmarshal` gives for `data` before decoding anything, or None when
    `data` is well-formed JSON."""
    scanner = _Scanner(data)
    try:
        scanner.value(0)
        scanner.skip_space()
        trailing = scanner.peek()
        if trailing is not None:
            raise _invalid(trailing, "after top-level value")
    except _Syntax as e:
        return str(e)
    return None
