"""`$((...))`: integer arithmetic with variables, as ash evaluates it (C operator precedence)."""

from __future__ import annotations

import re
from collections.abc import Callable

TOKEN = re.compile(
    r"\s*(?:(0x[0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||<<|>>|[-+*/%()<>!~&|^]))"
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
}


class ArithError(Exception):
    """Bad arithmetic; the message is ash's (without the `sh: ` prefix)."""


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
            right = self.expr(prec + 1)
            left = self._apply(op, left, right)

    def _apply(self, op: str, a: int, b: int) -> int:
        if op in ("/", "%") and b == 0:
            raise ArithError("divide by zero")
        ops: dict[str, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: int(x / y),
            "%": lambda x, y: x - y * int(x / y),
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
            "<<": lambda x, y: x << y,
            ">>": lambda x, y: x >> y,
        }
        return ops[op](a, b)

    def unary(self) -> int:
        tok = self._peek()
        if tok in ("-", "+", "!", "~"):
            self.i += 1
            value = self.unary()
            return {"-": -value, "+": value, "!": int(not value), "~": ~value}[tok]
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
            return int(tok, 16) if tok.lower().startswith("0x") else int(tok)
        if tok[0].isalpha() or tok[0] == "_":
            raw = self.lookup(tok).strip()
            if not raw:
                return 0
            try:
                return int(raw)
            except ValueError as exc:
                raise ArithError(f"arithmetic syntax error: {raw}") from exc
        raise ArithError(f"arithmetic syntax error: {self.source}")
