"""The shell's syntax tree: words made of parts, commands, pipelines, lists and loops."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Lit:
    """Literal text; `quoted` text is never split or treated as a keyword."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Param:
    """`$name`, `${name}`, `${#name}`, `${name:-word}` (op is "", "#", ":-", "-", ":+", "+",
    ":=", "=" ; `arg` is the raw text of the word after the operator)."""

    name: str
    quoted: bool = False
    op: str = ""
    arg: str = ""


@dataclass(frozen=True)
class CmdSub:
    """`$(...)` or backquotes: the source text of the inner program."""

    source: str
    quoted: bool = False


@dataclass(frozen=True)
class Arith:
    """`$((...))`: the source text of the expression."""

    source: str
    quoted: bool = False


Part = Lit | Param | CmdSub | Arith


@dataclass(frozen=True)
class Word:
    parts: tuple[Part, ...]
    raw: str = ""

    def literal(self) -> str | None:
        """The text if the word is plain unquoted literal text (keywords, assignments)."""
        if all(isinstance(p, Lit) and not p.quoted for p in self.parts):
            return "".join(p.text for p in self.parts if isinstance(p, Lit))
        return None


@dataclass(frozen=True)
class Redirect:
    """`fd op target`: op is one of `>`, `>>`, `<`, `>&`, `<&`, `>|`."""

    fd: int
    op: str
    target: Word


@dataclass
class Simple:
    assigns: list[tuple[str, Word]] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    line: int = 1


@dataclass
class Pipeline:
    commands: list[Command]
    negate: bool = False


@dataclass
class AndOr:
    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)
    background: bool = False  # ended by `&`


@dataclass
class Sequence:
    items: list[AndOr] = field(default_factory=list)


@dataclass
class For:
    var: str
    words: list[Word] | None
    body: Sequence
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class While:
    cond: Sequence
    body: Sequence
    until: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class If:
    branches: list[tuple[Sequence, Sequence]]
    otherwise: Sequence | None = None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Group:
    """`{ ...; }` (same shell) or `( ... )` (a subshell)."""

    body: Sequence
    subshell: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Case:
    word: Word
    items: list[tuple[list[Word], Sequence]]
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class FunctionDef:
    name: str
    body: Command
    redirects: list[Redirect] = field(default_factory=list)


Command = Simple | For | While | If | Group | Case | FunctionDef
