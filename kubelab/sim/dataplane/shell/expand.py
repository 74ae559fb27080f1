"""Word expansion in a running shell: parameters (`$x`, `${x:-word}`, `$@`, `$?`...),
arithmetic (`$((...))`), command substitution (`$(...)`, its output capped at CAPTURE_LIMIT),
then field splitting and pathname (glob) expansion over the container's file system."""

from __future__ import annotations

import fnmatch
import posixpath
from typing import TYPE_CHECKING

from kubelab.sim.dataplane.pipes import Collector, OutOfMemory
from kubelab.sim.dataplane.shell.arith import ArithError, evaluate
from kubelab.sim.dataplane.shell.control import ExitShell, LoopControl, ShellError
from kubelab.sim.dataplane.shell.lexer import Lexer
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.shell.syntax import Arith, CmdSub, Lit, Param, Word
from kubelab.sim.dataplane.vfs import FileSystem

if TYPE_CHECKING:
    from kubelab.sim.dataplane.shell.interpreter import Shell

IFS_WHITESPACE = " \t\n"
# `$(...)` keeps its output in memory: past this many characters the shell is out of memory, as
# busybox is when a container's memory limit stops its allocation (bb_msg_memory_exhausted)
CAPTURE_LIMIT = 16 << 20

# A piece of an expanded word: its text, and whether it came from an unquoted expansion
# (only those are split into fields).
Segment = tuple[str, bool]


def split_fields(segments: list[Segment]) -> list[str]:
    """POSIX field splitting with the default IFS; quoted empty text still makes a field."""
    fields: list[str] = []
    current: str | None = None
    for text, splittable in segments:
        if not splittable:
            current = (current or "") + text
            continue
        pieces = text.split()
        if not pieces:
            if text and current is not None:
                fields.append(current)
                current = None
            continue
        if text[0] in IFS_WHITESPACE and current is not None:
            fields.append(current)
            current = None
        for i, piece in enumerate(pieces):
            if i > 0 and current is not None:
                fields.append(current)
                current = None
            current = (current or "") + piece
        if text[-1] in IFS_WHITESPACE and current is not None:
            fields.append(current)
            current = None
    if current is not None:
        fields.append(current)
    return fields


def has_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def glob(pattern: str, fs: FileSystem, cwd: str) -> list[str]:
    """Matches of a glob pattern in the file system, sorted; [] if none match."""
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    bases = ["/" if absolute else ""]
    for part in parts:
        nxt: list[str] = []
        for base in bases:
            real = fs.resolve(base or ".", cwd)
            if has_glob(part):
                if not fs.is_dir(real):
                    continue
                for name in fs.listdir(real):
                    if name.startswith(".") and not part.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(name, part):
                        nxt.append(posixpath.join(base, name) if base else name)
            else:
                candidate = posixpath.join(base, part) if base else part
                if fs.exists(fs.resolve(candidate, cwd)):
                    nxt.append(candidate)
        bases = nxt
    return sorted(bases) if bases != ["/" if absolute else ""] else []


# -- expanding a word in a shell ------------------------------------------------------------
async def expand_word(sh: Shell, word: Word, io: IO) -> list[str]:
    """The fields `word` expands to: substitutions, then field splitting, then globbing."""
    segments = await _segments(sh, word, io)
    globbing = any(isinstance(p, Lit) and not p.quoted and has_glob(p.text) for p in word.parts)
    fields = split_fields(segments)
    if not globbing:
        return fields
    out: list[str] = []
    for f in fields:
        matches = glob(f, sh.ctx.files, sh.cwd) if has_glob(f) else []
        out.extend(matches or [f])
    return out


async def expand_string(sh: Shell, word: Word, io: IO) -> str:
    """`word` expanded to one string, without field splitting or globbing."""
    return "".join(text for text, _ in await _segments(sh, word, io))


async def _segments(sh: Shell, word: Word, io: IO) -> list[Segment]:
    out: list[Segment] = []
    for part in word.parts:
        if isinstance(part, Lit):
            out.append((part.text, False))
        elif isinstance(part, Param):
            value = await _param(sh, part, io)
            if part.name in ("@", "*") and part.quoted and part.name == "@":
                # "$@": one field per positional parameter
                for i, arg in enumerate(sh.positional):
                    if i:
                        out.append((" ", True))
                    out.append((arg, False))
                continue
            out.append((value, not part.quoted))
        elif isinstance(part, CmdSub):
            text = await command_substitution(sh, part.source, io)
            out.append((text, not part.quoted))
        elif isinstance(part, Arith):
            out.append((await _arithmetic(sh, part, io), not part.quoted))
    return out


async def _arithmetic(sh: Shell, part: Arith, io: IO) -> str:
    """`$((...))`: the text is expanded first, then evaluated in 64-bit integers (arith.py)."""
    inner = await expand_string(sh, _word_of(part.source), io)

    def lookup(name: str) -> str:
        return sh.vars.get(name, "")

    try:
        return str(evaluate(inner, lookup))
    except ArithError as exc:
        raise ShellError(str(exc)) from None


def _special(sh: Shell, name: str) -> str | None:
    if name == "?":
        return str(sh.status)
    if name == "$":
        return str(sh.pid)
    if name == "#":
        return str(len(sh.positional))
    if name in ("@", "*"):
        return " ".join(sh.positional)
    if name == "0":
        return sh.name
    if name.isdigit():
        i = int(name)
        return sh.positional[i - 1] if i <= len(sh.positional) else ""
    if name == "!":
        return sh.last_job_pid
    if name == "-":
        return "i" if sh.interactive else ""
    return None


async def _param(sh: Shell, part: Param, io: IO) -> str:
    special = _special(sh, part.name)
    value = special if special is not None else sh.vars.get(part.name)
    is_set = value is not None
    text = value or ""
    op = part.op
    if op == "#":
        return str(len(text))
    if op in (":-", "-"):
        if (op == ":-" and not text) or (op == "-" and not is_set):
            return await expand_string(sh, _word_of(part.arg), io)
    elif op in (":=", "="):
        if (op == ":=" and not text) or (op == "=" and not is_set):
            text = await expand_string(sh, _word_of(part.arg), io)
            sh.vars[part.name] = text
    elif op in (":+", "+"):
        if (op == ":+" and text) or (op == "+" and is_set):
            return await expand_string(sh, _word_of(part.arg), io)
        return ""
    elif op in (":?", "?") and ((op == ":?" and not text) or (op == "?" and not is_set)):
        msg = await expand_string(sh, _word_of(part.arg), io) or "parameter not set"
        raise ShellError(f"{part.name}: {msg}", status=1)
    return text


async def command_substitution(sh: Shell, source: str, io: IO) -> str:
    """`$(source)`: its output without trailing newlines, run in a subshell."""
    sub = sh.fork()
    out = Collector(limit=CAPTURE_LIMIT)
    try:
        status = await sub.run_source(source, IO(io.stdin, out, io.stderr))
    except OutOfMemory:
        raise ShellError("out of memory", status=1) from None
    except ExitShell as exc:
        status = exc.status
    except LoopControl:
        status = sub.status
    sh.status = status
    return out.text.rstrip("\n")


def _word_of(text: str) -> Word:
    """Lex `text` as the inside of double quotes (for `${x:-word}` and `$((...))`)."""
    lexer = Lexer('"' + text.replace('"', '\\"') + '"')
    parts = lexer._word()
    return Word(tuple(parts), text)
