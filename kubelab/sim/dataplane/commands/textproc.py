"""`sed` and `awk`, in the subset one-liners use inside pods.

sed: `s/RE/REPL/[gip]` (any delimiter, `&` and `\\1`), `d`, `p`, `q`, with an address (`N`,
`$`, `/RE/`, `N,M`), `-n`, `-e`, `-E`/`-r`, `-i`. awk: rules `[BEGIN|END|/RE/|EXPR] { print
...; printf ... }` with fields, NR, NF, variables, string/number comparison and `-F`. Anything
beyond says plainly that the simulator does not support it (exit 2), never a wrong answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from kubelab.sim.dataplane.commands.common import UsageError, lines_of, read_inputs
from kubelab.sim.dataplane.commands.grep import bre_to_python
from kubelab.sim.dataplane.commands.regex import Regex, RegexError, compile_regex, escape
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError


class Unsupported(Exception):
    """Valid in the real tool, not in the simulator's subset."""


# -- sed -------------------------------------------------------------------------------------
@dataclass
class SedCommand:
    start: str | None
    end: str | None
    op: str
    pattern: Regex | None = None
    replacement: str = ""
    count: int = 1  # 0 = all (g)
    print_after: bool = False


def _sed_regex(text: str, extended: bool, ignore_case: bool = False) -> Regex:
    try:
        return compile_regex(bre_to_python(text, extended), ignore_case=ignore_case)
    except RegexError as exc:
        raise UsageError(f"bad regex '{text}': {exc.message}") from exc


def _awk_regex(text: str) -> Regex:
    try:
        return compile_regex(text)
    except RegexError as exc:
        raise Unsupported(f"regex /{text}/: {exc.message}") from exc


def _split_delimited(text: str, delim: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] == delim:
            cur.append(delim)
            i += 2
            continue
        if c == delim:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _parse_address(script: str) -> tuple[str | None, str]:
    m = re.match(r"(\d+|\$|/(?:[^/\\]|\\.)*/)", script)
    if not m:
        return None, script
    return m.group(1), script[m.end() :]


def parse_sed(script: str, extended: bool) -> list[SedCommand]:
    commands = []
    for piece in [p.strip() for p in re.split(r";|\n", script) if p.strip()]:
        start, rest = _parse_address(piece)
        end = None
        if start is not None and rest.startswith(","):
            end, rest = _parse_address(rest[1:])
        rest = rest.strip()
        if not rest:
            raise UsageError(f"missing command in '{piece}'")
        op = rest[0]
        if op == "s":
            parts = _split_delimited(rest[2:], rest[1])
            if len(parts) != 3:
                raise UsageError(f"unterminated `s' command in '{piece}'")
            flags = parts[2]
            pattern = _sed_regex(parts[0], extended, ignore_case="i" in flags)
            repl = re.sub(r"\\(\d)", r"\\g<\1>", parts[1]).replace("&", r"\g<0>")
            repl = repl.replace("\\\\g<0>", "&")
            commands.append(
                SedCommand(start, end, "s", pattern, repl, 0 if "g" in flags else 1, "p" in flags)
            )
        elif op in "dpq" and len(rest) == 1:
            commands.append(SedCommand(start, end, op))
        else:
            raise Unsupported(f"sed command '{rest}'")
    return commands


def _matches(address: str | None, n: int, line: str, last: bool, extended: bool) -> bool:
    if address is None:
        return True
    if address == "$":
        return last
    if address.isdigit():
        return n == int(address)
    return _sed_regex(address[1:-1], extended).search(line) is not None


def run_sed(text: str, commands: list[SedCommand], quiet: bool, extended: bool) -> str:
    out: list[str] = []
    lines = lines_of(text)
    active: dict[int, bool] = {}
    for n, line in enumerate(lines, 1):
        last = n == len(lines)
        deleted = False
        stop = False
        for i, cmd in enumerate(commands):
            if cmd.end is None:
                hit = _matches(cmd.start, n, line, last, extended)
            elif active.get(i):
                hit = True
                if _matches(cmd.end, n, line, last, extended) or (
                    cmd.end.isdigit() and n >= int(cmd.end)
                ):
                    active[i] = False
            else:
                hit = _matches(cmd.start, n, line, last, extended)
                active[i] = hit and not (cmd.end.isdigit() and n >= int(cmd.end))
            if not hit:
                continue
            if cmd.op == "s" and cmd.pattern is not None:
                new, count = cmd.pattern.subn(cmd.replacement, line, count=cmd.count)
                line = new
                if count and cmd.print_after:
                    out.append(line)
            elif cmd.op == "d":
                deleted = True
                break
            elif cmd.op == "p":
                out.append(line)
            elif cmd.op == "q":
                stop = True
                break
        if not deleted and not quiet:
            out.append(line)
        if stop:
            break
    return "".join(f"{ln}\n" for ln in out)


async def sed(inv: Invocation) -> int:
    args = list(inv.args)
    scripts: list[str] = []
    quiet = in_place = extended = False
    files: list[str] = []
    while args:
        a = args.pop(0)
        if a == "-e" and args:
            scripts.append(args.pop(0))
        elif a.startswith("-") and len(a) > 1 and not scripts and a[1:].isalpha():
            quiet |= "n" in a
            in_place |= "i" in a
            extended |= "E" in a or "r" in a
        elif not scripts:
            scripts.append(a)
        else:
            files.append(a)
    if not scripts:
        await inv.err("Usage: sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...\n")
        return 1
    try:
        commands = parse_sed("\n".join(scripts), extended)
    except UsageError as exc:
        return await inv.fail(exc.message)
    except Unsupported as exc:
        return await inv.fail(f"{exc} is not supported by kubelab's simulated sed", 2)
    if in_place:
        status = 0
        for name in files:
            try:
                path = inv.path(name)
                text = inv.container.files.read(path)
                inv.container.files.write(path, run_sed(text, commands, quiet, extended))
            except FsError as exc:
                await inv.err(f"sed: {name}: {exc.reason}\n")
                status = 1
        return status
    texts, status = await read_inputs(inv, files)
    await inv.out(run_sed("".join(texts), commands, quiet, extended))
    return status


# -- awk -------------------------------------------------------------------------------------
AWK_TOKEN = re.compile(
    r'\s*(?:("(?:[^"\\]|\\.)*")|(/(?:[^/\\]|\\.)*/)|(\$\w+|\$\(?)|(\d+(?:\.\d+)?)|([A-Za-z_]\w*)'
    r"|(\+\+|--|[-+*/%]=|==|!=|<=|>=|&&|\|\||!~|[<>~+\-*/%(),;{}!=]))"
)


@dataclass
class AwkState:
    fields: list[str]
    line: str
    nr: int
    variables: dict[str, str]
    fs: str
    ofs: str = " "


Value = str | float


def _num(v: Value) -> float:
    if isinstance(v, float):
        return v
    m = re.match(r"\s*[-+]?\d+(\.\d+)?", v)
    return float(m.group(0)) if m else 0.0


def _truthy(v: Value) -> bool:
    return v not in ("", 0.0, "0")


def _text(v: Value) -> str:
    if isinstance(v, float):
        return str(int(v)) if v == int(v) else f"{v:.6g}"
    return v


class AwkProgram:
    """A tiny awk: parsed once into closures over `AwkState`."""

    def __init__(self, source: str) -> None:
        self.tokens = [t for t in (m.group(0).strip() for m in AWK_TOKEN.finditer(source)) if t]
        joined = "".join(self.tokens)
        if joined.replace(" ", "") != re.sub(r"\s+", "", source):
            raise Unsupported(f"awk program '{source}'")
        self.i = 0
        self.begin: list[Callable[[AwkState, list[str]], None]] = []
        self.end: list[Callable[[AwkState, list[str]], None]] = []
        self.rules: list[
            tuple[Callable[[AwkState], Value] | None, Callable[[AwkState, list[str]], None]]
        ] = []
        while self.i < len(self.tokens):
            self._rule()

    def _peek(self) -> str:
        return self.tokens[self.i] if self.i < len(self.tokens) else ""

    def _take(self, expected: str | None = None) -> str:
        tok = self._peek()
        if expected is not None and tok != expected:
            raise Unsupported(f"awk syntax near '{tok}'")
        self.i += 1
        return tok

    def _rule(self) -> None:
        tok = self._peek()
        if tok in ("BEGIN", "END"):
            self._take()
            (self.begin if tok == "BEGIN" else self.end).append(self._block())
            return
        pattern = None if tok == "{" else self._expr()
        action = self._block() if self._peek() == "{" else self._print_all
        self.rules.append((pattern, action))
        if self._peek() == ";":
            self._take()

    @staticmethod
    def _print_all(state: AwkState, out: list[str]) -> None:
        out.append(state.line + "\n")

    def _block(self) -> Callable[[AwkState, list[str]], None]:
        self._take("{")
        statements: list[Callable[[AwkState, list[str]], None]] = []
        while self._peek() != "}":
            if self._peek() == ";":
                self._take()
                continue
            statements.append(self._statement())
        self._take("}")

        def run(state: AwkState, out: list[str]) -> None:
            for st in statements:
                st(state, out)

        return run

    def _statement(self) -> Callable[[AwkState, list[str]], None]:
        tok = self._peek()
        if tok in ("print", "printf"):
            self._take()
            items: list[tuple[Callable[[AwkState], Value], bool]] = []
            while self._peek() not in ("}", ";", ""):
                items.append((self._expr(), self._peek() == ","))
                if self._peek() == ",":
                    self._take()
            if tok == "printf":
                return self._printf(items)

            def do_print(state: AwkState, out: list[str]) -> None:
                if not items:
                    out.append(state.line + "\n")
                    return
                parts = []
                for fn, comma in items:
                    parts.append(_text(fn(state)) + (state.ofs if comma else ""))
                out.append("".join(parts) + "\n")

            return do_print
        if re.fullmatch(r"[A-Za-z_]\w*", tok) and self.tokens[self.i + 1 : self.i + 2] == ["="]:
            self._take()
            self._take("=")
            value = self._expr()

            def assign(state: AwkState, out: list[str]) -> None:
                state.variables[tok] = _text(value(state))

            return assign
        if re.fullmatch(r"[A-Za-z_]\w*", tok) and self.tokens[self.i + 1 : self.i + 2] in (
            ["+="],
            ["-="],
            ["*="],
            ["/="],
            ["%="],
            ["++"],
            ["--"],
        ):
            return self._update(tok)
        raise Unsupported(f"awk statement '{tok}'")

    def _update(self, name: str) -> Callable[[AwkState, list[str]], None]:
        """`x += expr` (and -= *= /= %=), `x++`, `x--`: arithmetic on a variable."""
        self._take()
        op = self._take()
        value = (lambda s: 1.0) if op in ("++", "--") else self._expr()
        kind = op[0]

        def update(state: AwkState, out: list[str]) -> None:
            x, y = _num(state.variables.get(name, "")), _num(value(state))
            if kind in "/%" and y == 0:
                raise Unsupported("division by zero")
            result = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else 0.0}.get(
                kind, x % y if y else 0.0
            )
            state.variables[name] = _text(result)

        return update

    def _printf(
        self, items: list[tuple[Callable[[AwkState], Value], bool]]
    ) -> Callable[[AwkState, list[str]], None]:
        def do_printf(state: AwkState, out: list[str]) -> None:
            values = [fn(state) for fn, _ in items]
            fmt = _text(values[0]) if values else ""
            args = values[1:]

            def conv(m: re.Match[str]) -> str:
                spec = m.group(0)
                if spec == "%%":
                    return "%"
                v = args.pop(0) if args else ""
                if spec[-1] in "di":
                    return (spec[:-1] + "d") % int(_num(v))
                if spec[-1] == "f":
                    return spec % _num(v)
                return (spec[:-1] + "s") % _text(v)

            fmt = fmt.replace("\\n", "\n").replace("\\t", "\t")
            out.append(re.sub(r"%%|%[-+ 0#]*\d*(?:\.\d+)?[sdif]", conv, fmt))

        return do_printf

    # expressions: comparison > concatenation > additive > multiplicative > unary > primary
    def _expr(self) -> Callable[[AwkState], Value]:
        left = self._concat()
        op = self._peek()
        if op in ("==", "!=", "<", ">", "<=", ">=", "~", "!~"):
            self._take()
            right = self._concat()

            def compare(state: AwkState) -> Value:
                a, b = left(state), right(state)
                if op in ("~", "!~"):
                    hit = _awk_regex(_text(b)).search(_text(a)) is not None
                    return 1.0 if hit == (op == "~") else 0.0
                both_num = all(
                    isinstance(x, float) or re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", x) for x in (a, b)
                )
                if both_num:
                    order = (_num(a) > _num(b)) - (_num(a) < _num(b))
                else:
                    order = (_text(a) > _text(b)) - (_text(a) < _text(b))
                result = {
                    "==": order == 0,
                    "!=": order != 0,
                    "<": order < 0,
                    ">": order > 0,
                    "<=": order <= 0,
                    ">=": order >= 0,
                }[op]
                return 1.0 if result else 0.0

            return compare
        return left

    def _concat(self) -> Callable[[AwkState], Value]:
        parts = [self._additive()]
        while (
            self._peek()
            and (self._peek()[0] in '"$(' or self._peek()[0].isalnum())
            and self._peek() not in ("print", "printf")
        ):
            parts.append(self._additive())
        if len(parts) == 1:
            return parts[0]
        return lambda state: "".join(_text(p(state)) for p in parts)

    def _additive(self) -> Callable[[AwkState], Value]:
        left = self._term()
        while self._peek() in ("+", "-"):
            op = self._take()
            right = self._term()

            def add(
                s: AwkState,
                a: Callable[[AwkState], Value] = left,
                b: Callable[[AwkState], Value] = right,
                o: str = op,
            ) -> Value:
                return _num(a(s)) + _num(b(s)) if o == "+" else _num(a(s)) - _num(b(s))

            left = add
        return left

    def _term(self) -> Callable[[AwkState], Value]:
        left = self._primary()
        while self._peek() in ("*", "/", "%"):
            op = self._take()
            right = self._primary()

            def arith(
                s: AwkState,
                a: Callable[[AwkState], Value] = left,
                b: Callable[[AwkState], Value] = right,
                o: str = op,
            ) -> Value:
                x, y = _num(a(s)), _num(b(s))
                if o != "*" and y == 0:
                    raise Unsupported("division by zero")
                return x * y if o == "*" else (x / y if o == "/" else x % y)

            left = arith
        return left

    def _primary(self) -> Callable[[AwkState], Value]:
        tok = self._take()
        if tok.startswith('"'):
            text = tok[1:-1].replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t")
            return lambda s: text
        if tok.startswith("/"):
            regex = _awk_regex(tok[1:-1])
            return lambda s: 1.0 if regex.search(s.line) else 0.0
        if tok.startswith("$"):
            name = tok[1:]
            if name == "(" or name == "":
                raise Unsupported("awk $(expr)")
            if name.isdigit():
                n = int(name)
                return lambda s: (
                    s.line if n == 0 else (s.fields[n - 1] if n <= len(s.fields) else "")
                )
            if name == "NF":
                return lambda s: s.fields[-1] if s.fields else ""
            return lambda s: (
                s.fields[int(_num(s.variables.get(name, "0"))) - 1]
                if 0 < int(_num(s.variables.get(name, "0"))) <= len(s.fields)
                else ""
            )
        if re.fullmatch(r"\d+(\.\d+)?", tok):
            value = float(tok)
            return lambda s: value
        if tok == "(":
            inner = self._expr()
            self._take(")")
            return inner
        if tok == "-":
            inner = self._primary()
            return lambda s: -_num(inner(s))
        if tok == "NR":
            return lambda s: float(s.nr)
        if tok == "NF":
            return lambda s: float(len(s.fields))
        if re.fullmatch(r"[A-Za-z_]\w*", tok):
            return lambda s: s.variables.get(tok, "")
        raise Unsupported(f"awk syntax near '{tok}'")

    def run(self, text: str, fs: str, variables: dict[str, str]) -> str:
        out: list[str] = []
        state = AwkState([], "", 0, dict(variables), fs)
        for block in self.begin:
            block(state, out)
        for line in lines_of(text):
            state.nr += 1
            state.line = line
            if state.fs == " ":
                state.fields = line.split()
            else:
                sep = escape(state.fs) if len(state.fs) == 1 else state.fs
                state.fields = _awk_regex(sep).split(line)
            for pattern, action in self.rules:
                if pattern is None or _truthy(pattern(state)):
                    action(state, out)
        for block in self.end:
            block(state, out)
        return "".join(out)


async def awk(inv: Invocation) -> int:
    args = list(inv.args)
    fs = " "
    variables: dict[str, str] = {}
    program: str | None = None
    files: list[str] = []
    while args:
        a = args.pop(0)
        if a.startswith("-F") and program is None:
            fs = a[2:] or (args.pop(0) if args else " ")
            fs = "\t" if fs == "\\t" else fs
        elif a == "-v" and args and program is None:
            key, _, value = args.pop(0).partition("=")
            variables[key] = value
        elif program is None:
            program = a
        else:
            files.append(a)
    if program is None:
        await inv.err("Usage: awk [OPTIONS] [AWK_PROGRAM] [FILE]...\n")
        return 1
    try:
        compiled = AwkProgram(program)
    except (Unsupported, IndexError) as exc:
        reason = str(exc) if isinstance(exc, Unsupported) else f"awk program '{program}'"
        return await inv.fail(f"{reason} is not supported by kubelab's simulated awk", 2)
    texts, status = await read_inputs(inv, files)
    try:
        await inv.out(compiled.run("".join(texts), fs, variables))
    except Unsupported as exc:
        return await inv.fail(f"{exc}", 2)
    return status
