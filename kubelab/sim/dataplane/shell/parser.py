"""Recursive-descent parser: tokens -> `Sequence` (lists, and-or lists, pipelines, commands)."""

from __future__ import annotations

import re

from kubelab.sim.dataplane.shell.lexer import REDIRECT_OPS, ShellSyntaxError, Token, tokenize
from kubelab.sim.dataplane.shell.syntax import (
    AndOr,
    Case,
    Command,
    For,
    FunctionDef,
    Group,
    If,
    Lit,
    Pipeline,
    Redirect,
    Sequence,
    Simple,
    While,
    Word,
)

ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
# Words that end a list inside a compound command.
TERMINATORS = frozenset({"do", "done", "then", "fi", "elif", "else", "}", "esac"})
RESERVED = TERMINATORS | {"for", "while", "until", "if", "{", "!", "in", "case"}


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.i = 0

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def _advance(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind != "eof":
            self.i += 1
        return tok

    def _keyword(self) -> str | None:
        """The reserved word at the current position, if the token is one."""
        tok = self.tok
        if tok.kind == "word" and tok.word is not None:
            text = tok.word.literal()
            if text in RESERVED:
                return text
        return None

    def _is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.fd is None and self.tok.text in ops

    def _skip_newlines(self) -> None:
        while self.tok.kind == "newline":
            self._advance()

    def _unexpected(self, expecting: str = "") -> ShellSyntaxError:
        tok = self.tok
        if tok.kind == "eof":
            return ShellSyntaxError("eof", expecting=expecting, line=tok.line)
        text = "newline" if tok.kind == "newline" else tok.text
        return ShellSyntaxError("unexpected", text, line=tok.line)

    def _expect_keyword(self, word: str) -> None:
        if self._keyword() != word:
            raise self._unexpected(word)
        self._advance()

    # -- grammar -------------------------------------------------------------------------
    def program(self) -> Sequence:
        seq = self.sequence(top=True)
        if self.tok.kind != "eof":
            raise self._unexpected()
        return seq

    def sequence(self, top: bool = False, closing: str = "") -> Sequence:
        """and-or lists separated by `;`, `&` or newlines, up to a terminator."""
        seq = Sequence()
        self._skip_newlines()
        while True:
            if self.tok.kind == "eof":
                break
            kw = self._keyword()
            if kw in TERMINATORS or self._is_op(")", ";;"):
                if top:
                    raise self._unexpected()
                break
            seq.items.append(self.and_or(closing))
            if self._is_op(";", "&"):
                seq.items[-1].background = self._advance().text == "&"
            elif self.tok.kind == "newline":
                pass
            else:
                continue
            self._skip_newlines()
        return seq

    def and_or(self, closing: str = "") -> AndOr:
        node = AndOr(self.pipeline(closing))
        while self._is_op("&&", "||"):
            op = self._advance().text
            self._skip_newlines()
            node.rest.append((op, self.pipeline(closing)))
        return node

    def pipeline(self, closing: str = "") -> Pipeline:
        negate = False
        if self._keyword() == "!":
            self._advance()
            negate = True
        cmds = [self.command(closing)]
        while self._is_op("|"):
            self._advance()
            self._skip_newlines()
            cmds.append(self.command(closing))
        return Pipeline(cmds, negate)

    def command(self, closing: str = "") -> Command:
        kw = self._keyword()
        node: Command
        if kw == "for":
            node = self._for()
        elif kw in ("while", "until"):
            node = self._while(kw == "until")
        elif kw == "if":
            node = self._if()
        elif kw == "case":
            node = self._case()
        elif self._function_ahead():
            name = self._advance().text
            self._advance()
            self._advance()
            self._skip_newlines()
            return FunctionDef(name, self.command(closing))
        elif kw == "{":
            self._advance()
            body = self.sequence(closing="}")
            self._expect_keyword("}")
            node = Group(body)
        elif self._is_op("("):
            self._advance()
            body = self.sequence(closing=")")
            if not self._is_op(")"):
                raise self._unexpected(")")
            self._advance()
            node = Group(body, subshell=True)
        elif kw is not None and kw not in ("in",):
            raise self._unexpected(closing)
        else:
            return self._simple(closing)
        while self._redirect_ahead():
            node.redirects.append(self._redirect())
        return node

    def _function_ahead(self) -> bool:
        """`name ( )`: a function definition starts here."""
        tok = self.tok
        if tok.kind != "word" or tok.word is None or tok.word.literal() is None:
            return False
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tok.text):
            return False
        after = self.toks[self.i + 1 : self.i + 3]
        return (
            len(after) == 2
            and all(t.kind == "op" for t in after)
            and [t.text for t in after] == ["(", ")"]
        )

    def _case(self) -> Case:
        self._advance()
        tok = self.tok
        if tok.kind != "word" or tok.word is None:
            raise self._unexpected()
        word = self._advance().word
        assert word is not None
        self._skip_newlines()
        self._expect_keyword("in")
        self._skip_newlines()
        items: list[tuple[list[Word], Sequence]] = []
        while self._keyword() != "esac":
            if self.tok.kind == "eof":
                raise self._unexpected("esac")
            if self._is_op("("):
                self._advance()
            patterns: list[Word] = []
            while True:
                tok = self.tok
                if tok.kind != "word" or tok.word is None:
                    raise self._unexpected()
                patterns.append(tok.word)
                self._advance()
                if not self._is_op("|"):
                    break
                self._advance()
            if not self._is_op(")"):
                raise self._unexpected(")")
            self._advance()
            body = self.sequence(closing="esac")
            items.append((patterns, body))
            if self._is_op(";;"):
                self._advance()
                self._skip_newlines()
            elif self._keyword() != "esac":
                raise self._unexpected("esac")
        self._advance()
        return Case(word, items)

    def _redirect_ahead(self) -> bool:
        return self.tok.kind == "op" and self.tok.text in REDIRECT_OPS

    def _redirect(self) -> Redirect:
        tok = self._advance()
        op = tok.text
        fd = tok.fd if tok.fd is not None else (0 if op in ("<", "<&", "<<", "<<-") else 1)
        target = self.tok
        if target.kind != "word" or target.word is None:
            raise self._unexpected()
        self._advance()
        return Redirect(fd, {">|": ">", "<<-": "<<"}.get(op, op), target.word)

    def _simple(self, closing: str) -> Simple:
        node = Simple(line=self.tok.line)
        while True:
            tok = self.tok
            if self._redirect_ahead():
                node.redirects.append(self._redirect())
            elif tok.kind == "word" and tok.word is not None:
                first = tok.word.parts[0] if tok.word.parts else None
                match = ASSIGNMENT.match(first.text) if isinstance(first, Lit) else None
                if not node.words and match and isinstance(first, Lit) and not first.quoted:
                    rest = (Lit(first.text[match.end() :]), *tok.word.parts[1:])
                    node.assigns.append((match.group(1), Word(rest)))
                else:
                    node.words.append(tok.word)
                self._advance()
            else:
                break
        if not node.words and not node.assigns and not node.redirects:
            raise self._unexpected(closing)
        return node

    def _for(self) -> For:
        self._advance()
        tok = self.tok
        name = tok.word.literal() if tok.kind == "word" and tok.word is not None else None
        if name is None or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise self._unexpected()
        self._advance()
        words: list[Word] | None = None
        self._skip_newlines()
        if self._keyword() == "in":
            self._advance()
            words = []
            while self.tok.kind == "word" and self.tok.word is not None:
                words.append(self._advance().word)  # type: ignore[arg-type]
            if self._is_op(";"):
                self._advance()
            elif self.tok.kind != "newline":
                raise self._unexpected("do")
        elif self._is_op(";"):
            self._advance()
        self._skip_newlines()
        self._expect_keyword("do")
        body = self.sequence(closing="done")
        self._expect_keyword("done")
        return For(name, words, body)

    def _while(self, until: bool) -> While:
        self._advance()
        cond = self.sequence(closing="do")
        self._expect_keyword("do")
        body = self.sequence(closing="done")
        self._expect_keyword("done")
        return While(cond, body, until)

    def _if(self) -> If:
        self._advance()
        branches: list[tuple[Sequence, Sequence]] = []
        otherwise: Sequence | None = None
        cond = self.sequence(closing="then")
        self._expect_keyword("then")
        body = self.sequence(closing="fi")
        branches.append((cond, body))
        while True:
            kw = self._keyword()
            if kw == "elif":
                self._advance()
                cond = self.sequence(closing="then")
                self._expect_keyword("then")
                branches.append((cond, self.sequence(closing="fi")))
            elif kw == "else":
                self._advance()
                otherwise = self.sequence(closing="fi")
            else:
                break
        self._expect_keyword("fi")
        return If(branches, otherwise)


def parse(source: str) -> Sequence:
    """Parse a whole program; raises `ShellSyntaxError` (check `.incomplete` for more input)."""
    return Parser(tokenize(source)).program()
