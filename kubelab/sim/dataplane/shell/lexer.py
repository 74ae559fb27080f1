"""Turns shell source text into tokens: words (with their quoting kept), operators, newlines."""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.sim.dataplane.shell.syntax import Arith, CmdSub, Lit, Param, Part, Word

OPERATORS = ("&&", "||", ";;", ">>", ">&", "<&", ">|", "<<-", "<<", "|", "&", ";", "(", ")", ">",
             "<")  # fmt: skip
REDIRECT_OPS = frozenset({">", ">>", "<", ">&", "<&", ">|", "<<", "<<-"})
META = set(" \t\n;&|()<>")
SPECIAL_PARAMS = set("?#$!@*-0123456789")


class ShellSyntaxError(Exception):
    """A syntax error. `kind` is "unexpected" (token), "eof" (expecting) or "quote"."""

    def __init__(self, kind: str, token: str = "", expecting: str = "", line: int = 1) -> None:
        super().__init__(kind, token, expecting)
        self.kind = kind
        self.token = token
        self.expecting = expecting
        self.line = line

    def busybox_message(self) -> str:
        if self.kind == "quote":
            return "syntax error: unterminated quoted string"
        if self.kind == "eof":
            suffix = f' (expecting "{self.expecting}")' if self.expecting else ""
            return f"syntax error: unexpected end of file{suffix}"
        return f'syntax error: unexpected "{self.token}"'

    def dash_message(self) -> str:
        if self.kind == "quote":
            return f"{self.line}: Syntax error: Unterminated quoted string"
        if self.kind == "eof":
            suffix = f' (expecting "{self.expecting}")' if self.expecting else ""
            return f"{self.line}: Syntax error: end of file unexpected{suffix}"
        return f'{self.line}: Syntax error: "{self.token}" unexpected'

    @property
    def incomplete(self) -> bool:
        """More input could complete the program (an interactive shell asks for it)."""
        return self.kind in ("eof", "quote")


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "op", "newline", "eof"
    text: str
    word: Word | None = None
    fd: int | None = None
    line: int = 1


class Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.line = 1

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        pending: list[tuple[int, bool]] = []  # here-documents: (delimiter token index, strip tabs)
        while True:
            tok = self._next()
            out.append(tok)
            if tok.kind == "word" and len(out) > 1 and out[-2].text in ("<<", "<<-"):
                pending.append((len(out) - 1, out[-2].text == "<<-"))
            if tok.kind in ("newline", "eof") and pending:
                for index, strip in pending:
                    out[index] = self._here_document(out[index], strip)
                pending.clear()
            if tok.kind == "eof":
                return out

    def _here_document(self, delimiter: Token, strip_tabs: bool) -> Token:
        """Read a here-document's body (the lines after the current one) up to its delimiter;
        the body becomes the token's word (expanded like double quotes unless the delimiter
        was quoted)."""
        assert delimiter.word is not None
        raw = delimiter.text
        quoted = any(c in raw for c in "'\"\\")
        end = "".join(p.text for p in delimiter.word.parts if isinstance(p, Lit))
        body: list[str] = []
        while True:
            if self.pos >= len(self.src):
                raise ShellSyntaxError("eof", expecting=end, line=self.line)
            nl = self.src.find("\n", self.pos)
            line = self.src[self.pos : nl if nl >= 0 else len(self.src)]
            self.pos = nl + 1 if nl >= 0 else len(self.src)
            self.line += 1
            if strip_tabs:
                line = line.lstrip("\t")
            if line == end:
                break
            body.append(line + "\n")
        text = "".join(body)
        if quoted:
            word = Word((Lit(text, quoted=True),), raw)
        else:
            inner = Lexer('"' + text.replace('"', '\\"') + '"')
            word = Word(tuple(inner._word()), raw)
        return Token("word", raw, word, line=delimiter.line)

    def _peek(self, offset: int = 0) -> str:
        i = self.pos + offset
        return self.src[i] if i < len(self.src) else ""

    def _next(self) -> Token:
        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and self._peek(1) == "\n":
                self.pos += 2
                self.line += 1
            elif c == "#":
                while self.pos < len(src) and src[self.pos] != "\n":
                    self.pos += 1
            else:
                break
        if self.pos >= len(src):
            return Token("eof", "", line=self.line)
        c = src[self.pos]
        if c == "\n":
            self.pos += 1
            self.line += 1
            return Token("newline", "\n", line=self.line - 1)
        # an io number: digits directly followed by < or >
        j = self.pos
        while j < len(src) and src[j].isdigit():
            j += 1
        if j > self.pos and j < len(src) and src[j] in "<>":
            fd = int(src[self.pos : j])
            self.pos = j
            op = self._operator()
            return Token("op", op, fd=fd, line=self.line)
        if c in ";&|()<>":
            return Token("op", self._operator(), line=self.line)
        start = self.pos
        line = self.line
        parts = self._word()
        return Token(
            "word", src[start : self.pos], Word(tuple(parts), src[start : self.pos]), line=line
        )

    def _operator(self) -> str:
        for op in OPERATORS:
            if self.src.startswith(op, self.pos):
                self.pos += len(op)
                return op
        raise AssertionError("not an operator")  # pragma: no cover

    def _word(self) -> list[Part]:
        parts: list[Part] = []
        lit: list[str] = []

        def flush() -> None:
            if lit:
                parts.append(Lit("".join(lit)))
                lit.clear()

        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c in META:
                break
            if c == "\\":
                nxt = self._peek(1)
                if nxt == "\n":
                    self.pos += 2
                    self.line += 1
                    continue
                flush()
                if nxt:
                    parts.append(Lit(nxt, quoted=True))
                self.pos += 2
            elif c == "'":
                flush()
                end = src.find("'", self.pos + 1)
                if end < 0:
                    raise ShellSyntaxError("quote", line=self.line)
                text = src[self.pos + 1 : end]
                self.line += text.count("\n")
                parts.append(Lit(text, quoted=True))
                self.pos = end + 1
            elif c == '"':
                flush()
                self.pos += 1
                parts.extend(self._double_quoted())
            elif c == "$":
                part = self._dollar(quoted=False)
                if part is None:
                    lit.append("$")
                else:
                    flush()
                    parts.append(part)
            elif c == "`":
                flush()
                parts.append(self._backquote(quoted=False))
            else:
                lit.append(c)
                self.pos += 1
        flush()
        return parts

    def _double_quoted(self) -> list[Part]:
        parts: list[Part] = []
        lit: list[str] = []
        src = self.src
        has_any = False
        while True:
            if self.pos >= len(src):
                raise ShellSyntaxError("quote", line=self.line)
            c = src[self.pos]
            if c == '"':
                self.pos += 1
                break
            if c == "\\" and self._peek(1) in ('"', "\\", "$", "`", "\n"):
                if self._peek(1) != "\n":
                    lit.append(self._peek(1))
                else:
                    self.line += 1
                self.pos += 2
            elif c == "$":
                part = self._dollar(quoted=True)
                if part is None:
                    lit.append("$")
                else:
                    if lit:
                        parts.append(Lit("".join(lit), quoted=True))
                        lit.clear()
                    parts.append(part)
                    has_any = True
            elif c == "`":
                if lit:
                    parts.append(Lit("".join(lit), quoted=True))
                    lit.clear()
                parts.append(self._backquote(quoted=True))
                has_any = True
            else:
                if c == "\n":
                    self.line += 1
                lit.append(c)
                self.pos += 1
        if lit or not has_any:
            parts.append(Lit("".join(lit), quoted=True))
        return parts

    def _dollar(self, quoted: bool) -> Part | None:
        src = self.src
        nxt = self._peek(1)
        if src.startswith("$((", self.pos):
            start = self.pos + 3
            end = self._matching(start, depth=2)
            if src[end - 1] == ")":
                self.pos = end + 1
                return Arith(src[start : end - 1], quoted)
            # `$( (...) )`: a command substitution starting with a subshell
        if nxt == "(":
            start = self.pos + 2
            end = self._matching(start, depth=1)
            self.pos = end + 1
            return CmdSub(src[start:end], quoted)
        if nxt == "{":
            end = src.find("}", self.pos + 2)
            if end < 0:
                raise ShellSyntaxError("quote", line=self.line)
            body = src[self.pos + 2 : end]
            self.pos = end + 1
            return _braced_param(body, quoted)
        if nxt and (nxt.isalpha() or nxt == "_"):
            j = self.pos + 1
            while j < len(src) and (src[j].isalnum() or src[j] == "_"):
                j += 1
            name = src[self.pos + 1 : j]
            self.pos = j
            return Param(name, quoted)
        if nxt and nxt in SPECIAL_PARAMS:
            self.pos += 2
            return Param(nxt, quoted)
        self.pos += 1
        return None

    def _matching(self, start: int, depth: int) -> int:
        """Index of the `)` closing `depth` open parentheses, skipping quoted text."""
        src = self.src
        i = start
        while i < len(src):
            c = src[i]
            if c == "\\":
                i += 2
                continue
            if c == "'":
                end = src.find("'", i + 1)
                if end < 0:
                    raise ShellSyntaxError("quote", line=self.line)
                i = end + 1
                continue
            if c == '"':
                i += 1
                while i < len(src) and src[i] != '"':
                    i += 2 if src[i] == "\\" else 1
                i += 1
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
        raise ShellSyntaxError("eof", expecting=")", line=self.line)

    def _backquote(self, quoted: bool) -> CmdSub:
        end = self.src.find("`", self.pos + 1)
        if end < 0:
            raise ShellSyntaxError("quote", line=self.line)
        text = self.src[self.pos + 1 : end]
        self.pos = end + 1
        return CmdSub(text.replace("\\`", "`"), quoted)


def _braced_param(body: str, quoted: bool) -> Param:
    if body.startswith("#") and len(body) > 1:
        return Param(body[1:], quoted, op="#")
    name_end = 0
    if body and body[0] in SPECIAL_PARAMS:
        name_end = 1
    else:
        while name_end < len(body) and (body[name_end].isalnum() or body[name_end] == "_"):
            name_end += 1
    name, rest = body[:name_end], body[name_end:]
    for op in (":-", ":=", ":+", ":?", "-", "=", "+", "?"):
        if rest.startswith(op):
            return Param(name, quoted, op=op, arg=rest[len(op) :])
    if rest or not name:
        raise ShellSyntaxError("unexpected", "${" + body + "}")
    return Param(name, quoted)


def tokenize(source: str) -> list[Token]:
    return Lexer(source).tokens()
