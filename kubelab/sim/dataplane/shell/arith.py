"""`$((...))`: integer arithmetic with variables, as ash evaluates it (C operator precedence).

busybox's `shell/math.c` computes in `arith_t`, a signed 64-bit integer: results wrap around,
a shift count is taken modulo 64 (what x86-64's shift instructions do with the C `<<` busybox
compiles to: `$((1<<-1))` is -9223372036854775808), a literal is read by `strtoull` with base 0
(`0x1f` hex, `017` octal; one beyond 64 bits reads as 0), `**` is exponentiation (right
associative, "exponent less than 0" for a negative one). So every value stays 64 bits: no
expression can build a huge number and stall the simulator.
"""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(
    r"\s*(?:([0-9][0-9A-Za-z]*)|([A-Za-z_][A-Za-z0-9_]*)"
    r"|(\*\*|<=|>=|==|!=|&&|\|\||<<|>>|[-+*/%()<>!~&|^]))"
)

# binary operators by precedence (higher binds tighter)
BINARY: dict[str, int] = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "^": 4,
    "&": 5,
    "==": 6,
    "!=": 6,
    "<": 7,
    ">": 7,
    "<=": 7,
    ">=": 7,
    "<<": 8,
    ">>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
    "**": 11,
}
RIGHT_ASSOCIATIVE = frozenset({"**"})


BITS = 64
MASK = (1 << BITS) - 1
SIGN = 1 << (BITS - 1)


class ArithError(Exception):
    """Bad arithmetic; the message is ash's (without the `sh: ` prefix)."""


def wrap(value: int) -> int:
    """`value` as a signed 64-bit integer (two's complement wrap-around, as C computes)."""
    value &= MASK
    return value - (1 << BITS) if value & SIGN else value


def literal(token: str, source: str) -> int:
    """A number as `strtoull(token, &end, 0)` reads it; trailing characters are a syntax error."""
    text = token.lower()
    try:
        if text.startswith("0x"):
            value = int(text[2:], 16)
        elif len(text) > 1 and text.startswith("0"):
            value = int(text[1:], 8)
        else:
            value = int(text, 10)
    except ValueError:
        raise ArithError(f"arithmetic syntax error: {source}") from None
    return 0 if value > MASK else wrap(value)


def _divide(x: int, y: int) -> int:
    """C's `/`: the quotient truncated toward zero (exactly, not through a float)."""
    q = abs(x) // abs(y)
    return wrap(q if (x < 0) == (y < 0) else -q)


def _power(x: int, y: int) -> int:
    if y < 0:
        raise ArithError("exponent less than 0")
    return wrap(pow(x, y, 1 << BITS))


def evaluate(expr: str, lookup: Callable[[str], str]) -> int:
    tokens: list[str] = []
    pos = 0
    text = expr.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ArithError(f"arithmetic syntax error: {expr!s}")
        tokens.append(m.group(0).strip())
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    if not tokens:
        return 0
    parser = _Parser(tokens, lookup, expr)
    value = parser.expr(0)
    if parser.i != len(tokens):
        raise ArithError(f"arithmetic syntax error: {expr}")
    return value


class _Parser:
    def __init__(self, tokens: list[str], lookup: Callable[[str], str], source: str) -> None:
        self.t = tokens
        self.i = 0
        self.lookup = lookup
        self.source = source

    def _peek(self) -> str:
        return self.t[self.i] if self.i < len(self.t) else ""

    def expr(self, min_prec: int) -> int:
        left = self.unary()
        while True:
            op = self._peek()
            prec = BINARY.get(op)
            if prec is None or prec < min_prec:
                return left
            self.i += 1
            right = self.expr(prec if op in RIGHT_ASSOCIATIVE else prec + 1)
            left = self._apply(op, left, right)

    def _apply(self, op: str, a: int, b: int) -> int:
        if op in ("/", "%") and b == 0:
            raise ArithError("divide by zero")
        ops: dict[str, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": _divide,
            "%": lambda x, y: x - y * _divide(x, y),
            "**": _power,
            "<": lambda x, y: int(x < y),
            ">": lambda x, y: int(x > y),
            "<=": lambda x, y: int(x <= y),
            ">=": lambda x, y: int(x >= y),
            "==": lambda x, y: int(x == y),
            "!=": lambda x, y: int(x != y),
            "&&": lambda x, y: int(bool(x) and bool(y)),
            "||": lambda x, y: int(bool(x) or bool(y)),
            "&": lambda x, y: x & y,
            "|": lambda x, y: x | y,
            "^": lambda x, y: x ^ y,
            "<<": lambda x, y: x << (y & (BITS - 1)),
            ">>": lambda x, y: x >> (y & (BITS - 1)),
        }
        return wrap(ops[op](a, b))

    def unary(self) -> int:
        tok = self._peek()
        if tok in ("-", "+", "!", "~"):
            self.i += 1
            value = self.unary()
            return wrap({"-": -value, "+": value, "!": int(not value), "~": ~value}[tok])
        if tok == "(":
            self.i += 1
            value = self.expr(0)
            if self._peek() != ")":
                raise ArithError(f"arithmetic syntax error: {self.source}")
            self.i += 1
            return value
        if not tok:
            raise ArithError(f"arithmetic syntax error: {self.source}")
        self.i += 1
        if tok[0].isdigit():
            return literal(tok, self.source)
        if tok[0].isalpha() or tok[0] == "_":
            raw = self.lookup(tok).strip()
            if not raw:
                return 0
            sign = -1 if raw.startswith("-") else 1
            digits = raw.lstrip("+-")
            if not digits[:1].isdigit():
                raise ArithError(f"arithmetic syntax error: {raw}")
            return wrap(sign * literal(digits, raw))
        raise ArithError(f"arithmetic syntax error: {self.source}")
