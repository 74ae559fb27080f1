"""Runs parsed shell programs inside a simulated container.

Builtins that need the shell's own state (exit, cd, export, read, break, ...) live here;
every other program comes from the command table (`kubelab.sim.dataplane.commands`).
Messages follow busybox `ash` (`sh: foo: not found`), Debian's `dash` (`sh: 1: foo: not
found`) or `bash`, depending on the image's shell.
"""

from __future__ import annotations

import asyncio
import fnmatch
import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kubelab.sim.dataplane.commands import COMMANDS
from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import (
    BrokenPipe,
    Collector,
    NullWriter,
    OutOfMemory,
    Pipe,
    Writer,
)
from kubelab.sim.dataplane.process import Invocation, Spawner
from kubelab.sim.dataplane.shell.arith import ArithError, evaluate
from kubelab.sim.dataplane.shell.expand import Segment, glob, has_glob, split_fields
from kubelab.sim.dataplane.shell.jobs import JOBS
from kubelab.sim.dataplane.shell.lexer import Lexer, ShellSyntaxError
from kubelab.sim.dataplane.shell.parser import parse
from kubelab.sim.dataplane.shell.syntax import (
    AndOr,
    Arith,
    Case,
    CmdSub,
    Command,
    For,
    FunctionDef,
    Group,
    If,
    Lit,
    Param,
    Pipeline,
    Redirect,
    Sequence,
    Simple,
    While,
    Word,
)
from kubelab.sim.dataplane.vfs import FsError

SHELLS = ("sh", "ash", "dash", "bash")
BIN_DIRS = ("/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")
SIGPIPE_STATUS = 141
MAX_DEPTH = 100  # nested function calls
LOOP_BURST = 256  # loop iterations between two pauses
LOOP_PAUSE = 0.01  # seconds
# `$(...)` keeps its output in memory: past this many characters the shell is out of memory, as
# busybox is when a container's memory limit stops its allocation (bb_msg_memory_exhausted)
CAPTURE_LIMIT = 16 << 20


class ExitShell(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind, levels)
        self.kind = kind
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ShellError(Exception):
    """An error the shell reports itself (bad substitution, arithmetic, redirection)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class IO:
    stdin: Pipe
    stdout: Writer
    stderr: Writer
    tty: bool = False  # stdout is the terminal (`ls` prints columns, curl hides its meter)


class FileWriter:
    """Output redirected into a file of the container's file system."""

    def __init__(self, ctx: ContainerContext, path: str) -> None:
        self.ctx = ctx
        self.path = path

    async def write(self, data: str) -> None:
        self.ctx.files.write(self.path, data, append=True)
        await asyncio.sleep(0)


Program = Callable[[list[str], IO, dict[str, str], str], Awaitable[int]]


def shell_flavor(ctx: ContainerContext, name: str) -> str:
    if name == "bash":
        return "bash"
    if name == "dash" or ctx.image.shell == "dash":
        return "dash"
    return "busybox"


class Shell:
    def __init__(
        self,
        ctx: ContainerContext,
        env: dict[str, str],
        *,
        name: str = "sh",
        args: list[str] | None = None,
        cwd: str | None = None,
        interactive: bool = False,
    ) -> None:
        self.ctx = ctx
        self.vars: dict[str, str] = dict(env)
        self.exported: set[str] = set(env)
        self.name = name
        self.flavor = shell_flavor(ctx, name)
        self.positional: list[str] = list(args or [])
        self.cwd = cwd or ctx.image.workdir
        self.status = 0
        self.interactive = interactive
        self.line = 1
        self.from_c = False
        self.pid = 8
        self.errexit = False
        self.iterations = 0
        self.jobs: list[asyncio.Task[int]] = []
        self.functions: dict[str, Command] = {}
        self.depth = 0
        self.next_pid = 0
        self.last_job_pid = ""

    # -- state ---------------------------------------------------------------------------
    async def _loop_pause(self) -> None:
        """Yield to the server between loop iterations; a busy loop (`while true; do :;
        done`) gets a short sleep every few hundred rounds so it cannot starve the API."""
        self.iterations += 1
        await asyncio.sleep(LOOP_PAUSE if self.iterations % LOOP_BURST == 0 else 0)

    def fork(self) -> Shell:
        child = Shell(self.ctx, {}, name=self.name, cwd=self.cwd)
        child.vars = dict(self.vars)
        child.exported = set(self.exported)
        child.positional = list(self.positional)
        child.status = self.status
        child.flavor = self.flavor
        child.from_c = self.from_c
        child.line = self.line
        child.pid = self.pid + 1
        child.functions = dict(self.functions)
        return child

    def environ(self) -> dict[str, str]:
        return {k: v for k, v in self.vars.items() if k in self.exported}

    def error_prefix(self) -> str:
        if self.flavor == "dash":
            return f"{self.name}: {self.line}: "
        if self.flavor == "bash" and (self.from_c or not self.interactive):
            return f"{self.name}: line {self.line}: "
        return f"{self.name}: "

    async def report(self, io: IO, message: str) -> None:
        await io.stderr.write(self.error_prefix() + message + "\n")

    def syntax_message(self, exc: ShellSyntaxError) -> str:
        if self.flavor == "dash":
            return f"{self.name}: {exc.dash_message()}"
        if self.flavor == "bash":
            tok = exc.token or "newline"
            if exc.kind == "eof":
                return f"{self.name}: -c: line {exc.line}: syntax error: unexpected end of file"
            if exc.kind == "quote":
                return (
                    f"{self.name}: -c: line {exc.line}: unexpected EOF while looking for "
                    f"matching quote"
                )
            return f"{self.name}: -c: line {exc.line}: syntax error near unexpected token `{tok}'"
        return f"{self.name}: {exc.busybox_message()}"

    # -- entry points --------------------------------------------------------------------
    async def run_source(self, source: str, io: IO) -> int:
        """Parse and run a whole program; syntax errors are reported (status 2)."""
        try:
            program = parse(source)
        except ShellSyntaxError as exc:
            await io.stderr.write(self.syntax_message(exc) + "\n")
            self.status = 2
            return 2
        return await self.run_sequence(program, io)

    async def run_stream(self, io: IO) -> int:
        """`sh` reading its program from stdin: each command runs as soon as it is complete
        (so `kubectl run -i ... -- sh` answers line by line), until end of input or `exit`."""
        pending = ""
        try:
            while True:
                line = await io.stdin.readline()
                if not line:
                    if pending.strip():
                        return await self.run_source(pending, io)
                    return self.status
                pending += line
                try:
                    parse(pending)
                except ShellSyntaxError as exc:
                    if exc.incomplete:
                        continue
                source, pending = pending, ""
                await self.run_source(source, io)
        except ExitShell as exc:
            return exc.status
        except LoopControl:
            return self.status

    async def run_script(self, source: str, io: IO) -> int:
        """Run a program as a whole shell process (`sh -c`): `exit` ends it."""
        try:
            return await self.run_source(source, io)
        except ExitShell as exc:
            return exc.status
        except LoopControl:
            return self.status

    # -- evaluation ----------------------------------------------------------------------
    async def run_sequence(self, seq: Sequence, io: IO) -> int:
        status = self.status
        for item in seq.items:
            if item.background:
                self.start_job(item, io)
                status = self.status = 0
            else:
                status = await self.run_and_or(item, io)
        return status

    def start_job(self, node: AndOr, io: IO) -> None:
        """`cmd &`: run in a subshell without waiting; `$!` is its process id."""
        sub = self.fork()

        async def job() -> int:
            try:
                return await sub.run_and_or(node, io)
            except ExitShell as exc:
                return exc.status
            except (LoopControl, BrokenPipe):
                return sub.status

        task = asyncio.ensure_future(job())
        jobs = JOBS.get()
        if jobs is not None:
            jobs.append(task)
        self.jobs.append(task)
        self.next_pid += 1
        self.last_job_pid = str(self.pid + self.next_pid)

    async def run_and_or(self, node: AndOr, io: IO) -> int:
        status = await self.run_pipeline(node.first, io)
        for op, pipeline in node.rest:
            if (op == "&&" and status == 0) or (op == "||" and status != 0):
                status = await self.run_pipeline(pipeline, io)
        self.status = status
        if self.errexit and status != 0 and not node.rest:
            raise ExitShell(status)
        return status

    async def run_pipeline(self, node: Pipeline, io: IO) -> int:
        if len(node.commands) == 1:
            status = await self.run_command(node.commands[0], io)
        else:
            status = await self._run_stages(node.commands, io)
        if node.negate:
            status = 0 if status else 1
        self.status = status
        return status

    async def _run_stages(self, commands: list[Command], io: IO) -> int:
        pipes = [Pipe() for _ in commands[1:]]

        async def stage(i: int, cmd: Command) -> int:
            stdin = io.stdin if i == 0 else pipes[i - 1]
            stdout: Writer = io.stdout if i == len(commands) - 1 else pipes[i]
            sub = self.fork()
            try:
                last = i == len(commands) - 1
                return await sub.run_command(cmd, IO(stdin, stdout, io.stderr, io.tty and last))
            except ExitShell as exc:
                return exc.status
            except LoopControl:
                return sub.status
            except BrokenPipe:
                return SIGPIPE_STATUS
            finally:
                if i < len(commands) - 1:
                    pipes[i].close()
                if i > 0:
                    pipes[i - 1].close_reader()

        results = await asyncio.gather(*(stage(i, c) for i, c in enumerate(commands)))
        return results[-1]

    async def run_command(self, cmd: Command, io: IO) -> int:
        if isinstance(cmd, Simple):
            self.line = cmd.line
            return await self.run_simple(cmd, io)
        if isinstance(cmd, FunctionDef):
            self.functions[cmd.name] = cmd.body
            return 0
        try:
            io = await self.apply_redirects(cmd.redirects, io)
        except ShellError as exc:
            await self.report(io, exc.message)
            return exc.status
        if isinstance(cmd, For):
            return await self._run_for(cmd, io)
        if isinstance(cmd, While):
            return await self._run_while(cmd, io)
        if isinstance(cmd, Case):
            value = await self.expand_string(cmd.word, io)
            for patterns, body in cmd.items:
                for pattern in patterns:
                    if fnmatch.fnmatchcase(value, await self.expand_string(pattern, io)):
                        return await self.run_sequence(body, io)
            return 0
        if isinstance(cmd, If):
            for cond, body in cmd.branches:
                if await self.run_sequence(cond, io) == 0:
                    return await self.run_sequence(body, io)
            if cmd.otherwise is not None:
                return await self.run_sequence(cmd.otherwise, io)
            return 0
        assert isinstance(cmd, Group)
        if cmd.subshell:
            sub = self.fork()
            try:
                return await sub.run_sequence(cmd.body, io)
            except ExitShell as exc:
                return exc.status
        return await self.run_sequence(cmd.body, io)

    async def _run_for(self, node: For, io: IO) -> int:
        if node.words is None:
            values = list(self.positional)
        else:
            values = []
            for word in node.words:
                values.extend(await self.expand_word(word, io))
        status = 0
        for value in values:
            self.vars[node.var] = value
            try:
                status = await self.run_sequence(node.body, io)
            except LoopControl as ctl:
                if ctl.levels > 1:
                    raise LoopControl(ctl.kind, ctl.levels - 1) from None
                if ctl.kind == "break":
                    break
            await self._loop_pause()
        self.status = status
        return status

    async def _run_while(self, node: While, io: IO) -> int:
        status = 0
        while True:
            cond = await self.run_sequence(node.cond, io)
            if (cond == 0) == node.until:
                break
            try:
                status = await self.run_sequence(node.body, io)
            except LoopControl as ctl:
                if ctl.levels > 1:
                    raise LoopControl(ctl.kind, ctl.levels - 1) from None
                if ctl.kind == "break":
                    break
            await self._loop_pause()
        self.status = status
        return status

    async def run_simple(self, cmd: Simple, io: IO) -> int:
        try:
            argv: list[str] = []
            for word in cmd.words:
                argv.extend(await self.expand_word(word, io))
            assigns = [(name, await self.expand_string(word, io)) for name, word in cmd.assigns]
            io = await self.apply_redirects(cmd.redirects, io)
        except ShellError as exc:
            await self.report(io, exc.message)
            self.status = exc.status
            if not self.interactive and exc.status == 2 and "bad substitution" in exc.message:
                raise ExitShell(2) from None
            return exc.status
        if not argv:
            for name, value in assigns:
                self.vars[name] = value
            return self.status if cmd.words else 0
        env = self.environ()
        for name, value in assigns:
            env[name] = value
        function = self.functions.get(argv[0])
        if function is not None:
            return await self.call_function(function, argv, io)
        builtin = BUILTINS.get(argv[0])
        if builtin is not None:
            return await builtin(self, argv, io)
        return await self.run_program(argv, io, env)

    async def call_function(self, body: Command, argv: list[str], io: IO) -> int:
        saved = self.positional
        self.positional = argv[1:]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ShellError("function nesting too deep", status=2)
            return await self.run_command(body, io)
        except ReturnFromFunction as ret:
            self.status = ret.status
            return ret.status
        finally:
            self.depth -= 1
            self.positional = saved

    async def run_program(self, argv: list[str], io: IO, env: dict[str, str]) -> int:
        program = self.find_program(argv[0])
        if program is None:
            if self.flavor == "bash":
                await self.report(io, f"{argv[0]}: command not found")
            elif "/" in argv[0]:
                await self.report(io, f"{argv[0]}: not found")
            else:
                await self.report(io, f"{argv[0]}: not found")
            return 127
        return await program(argv, io, env, self.cwd)

    def find_program(self, name: str) -> Program | None:
        """The program `name` runs in this container, or None (not found)."""
        return find_program(self.ctx, name)

    # -- expansion -----------------------------------------------------------------------
    async def expand_word(self, word: Word, io: IO) -> list[str]:
        segments = await self._segments(word, io)
        globbing = any(isinstance(p, Lit) and not p.quoted and has_glob(p.text) for p in word.parts)
        fields = split_fields(segments)
        if not globbing:
            return fields
        out: list[str] = []
        for f in fields:
            matches = glob(f, self.ctx.files, self.cwd) if has_glob(f) else []
            out.extend(matches or [f])
        return out

    async def expand_string(self, word: Word, io: IO) -> str:
        return "".join(text for text, _ in await self._segments(word, io))

    async def _segments(self, word: Word, io: IO) -> list[Segment]:
        out: list[Segment] = []
        for part in word.parts:
            if isinstance(part, Lit):
                out.append((part.text, False))
            elif isinstance(part, Param):
                value = await self._param(part, io)
                if part.name in ("@", "*") and part.quoted and part.name == "@":
                    # "$@": one field per positional parameter
                    for i, arg in enumerate(self.positional):
                        if i:
                            out.append((" ", True))
                        out.append((arg, False))
                    continue
                out.append((value, not part.quoted))
            elif isinstance(part, CmdSub):
                text = await self.command_substitution(part.source, io)
                out.append((text, not part.quoted))
            elif isinstance(part, Arith):
                inner = await self.expand_string(_word_of(part.source), io)
                try:
                    value_int = evaluate(inner, self._lookup)
                except ArithError as exc:
                    raise ShellError(str(exc)) from None
                out.append((str(value_int), not part.quoted))
        return out

    def _lookup(self, name: str) -> str:
        return self.vars.get(name, "")

    def _special(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(self.pid)
        if name == "#":
            return str(len(self.positional))
        if name in ("@", "*"):
            return " ".join(self.positional)
        if name == "0":
            return self.name
        if name.isdigit():
            i = int(name)
            return self.positional[i - 1] if i <= len(self.positional) else ""
        if name == "!":
            return self.last_job_pid
        if name == "-":
            return "i" if self.interactive else ""
        return None

    async def _param(self, part: Param, io: IO) -> str:
        special = self._special(part.name)
        value = special if special is not None else self.vars.get(part.name)
        is_set = value is not None
        text = value or ""
        op = part.op
        if op == "#":
            return str(len(text))
        if op in (":-", "-"):
            if (op == ":-" and not text) or (op == "-" and not is_set):
                return await self.expand_string(_word_of(part.arg), io)
        elif op in (":=", "="):
            if (op == ":=" and not text) or (op == "=" and not is_set):
                text = await self.expand_string(_word_of(part.arg), io)
                self.vars[part.name] = text
        elif op in (":+", "+"):
            if (op == ":+" and text) or (op == "+" and is_set):
                return await self.expand_string(_word_of(part.arg), io)
            return ""
        elif op in (":?", "?") and ((op == ":?" and not text) or (op == "?" and not is_set)):
            msg = await self.expand_string(_word_of(part.arg), io) or "parameter not set"
            raise ShellError(f"{part.name}: {msg}", status=1)
        return text

    async def command_substitution(self, source: str, io: IO) -> str:
        sub = self.fork()
        out = Collector(limit=CAPTURE_LIMIT)
        try:
            status = await sub.run_source(source, IO(io.stdin, out, io.stderr))
        except OutOfMemory:
            raise ShellError("out of memory", status=1) from None
        except ExitShell as exc:
            status = exc.status
        except LoopControl:
            status = sub.status
        self.status = status
        return out.text.rstrip("\n")

    # -- redirections --------------------------------------------------------------------
    async def apply_redirects(self, redirects: list[Redirect], io: IO) -> IO:
        if not redirects:
            return io
        fds: dict[int, Pipe | Writer] = {0: io.stdin, 1: io.stdout, 2: io.stderr}
        for r in redirects:
            target = await self.expand_string(r.target, io)
            if r.op in (">&", "<&"):
                if target == "-":
                    fds[r.fd] = NullWriter() if r.fd else Pipe.of("")
                    continue
                if not target.isdigit() or int(target) not in fds:
                    raise ShellError(
                        f"{target}: bad file descriptor"
                        if self.flavor != "dash"
                        else f"{target}: Bad fd number"
                    )
                fds[r.fd] = fds[int(target)]
            elif r.op == "<":
                fds[r.fd] = Pipe.of(self._read_file(target))
            elif r.op == "<<":
                fds[r.fd] = Pipe.of(target)
            else:
                fds[r.fd] = self._open_output(target, append=r.op == ">>")
        stdin = fds[0]
        return IO(
            stdin if isinstance(stdin, Pipe) else Pipe.of(""),
            _writer(fds[1]),
            _writer(fds[2]),
            io.tty and fds[1] is io.stdout,
        )

    def _read_file(self, target: str) -> str:
        if target in ("/dev/null", "/dev/zero"):
            return ""
        path = self.ctx.files.resolve(target, self.cwd)
        try:
            return self.ctx.files.read(path)
        except FsError as exc:
            if self.flavor == "dash":
                raise ShellError(f"cannot open {target}: No such file") from None
            if self.flavor == "bash":
                raise ShellError(f"{target}: {exc.reason}", status=1) from None
            raise ShellError(f"can't open '{target}': {exc.reason}", status=1) from None

    def _open_output(self, target: str, append: bool) -> Writer:
        if target == "/dev/null":
            return NullWriter()
        fs = self.ctx.files
        path = fs.resolve(target, self.cwd)
        try:
            if not append or not fs.exists(path):
                fs.write(path, "")
        except FsError as exc:
            if self.flavor == "dash":
                raise ShellError(f"cannot create {target}: Directory nonexistent") from None
            if self.flavor == "bash":
                raise ShellError(f"{target}: {exc.reason}", status=1) from None
            reason = "nonexistent directory" if exc.reason.startswith("No such") else exc.reason
            raise ShellError(f"can't create {target}: {reason}") from None
        return FileWriter(self.ctx, path)


def _writer(target: Pipe | Writer) -> Writer:
    return target


def _word_of(text: str) -> Word:
    """Lex `text` as the inside of double quotes (for `${x:-word}` and `$((...))`)."""
    lexer = Lexer('"' + text.replace('"', '\\"') + '"')
    parts = lexer._word()
    return Word(tuple(parts), text)


# -- programs ---------------------------------------------------------------------------
def find_program(ctx: ContainerContext, name: str) -> Program | None:
    base = posixpath.basename(name)
    if "/" in name and posixpath.dirname(posixpath.normpath(name)) not in BIN_DIRS:
        return None
    if base in SHELLS and ctx.has_command(base):
        return _shell_program(ctx, base)
    if base == "busybox" and ctx.image.shell == "busybox":
        return _busybox_program(ctx)
    fn = COMMANDS.get(base)
    if fn is None or not ctx.has_command(base):
        return None

    async def run(argv: list[str], io: IO, env: dict[str, str], cwd: str) -> int:
        inv = Invocation(
            argv=argv,
            stdin=io.stdin,
            stdout=io.stdout,
            stderr=io.stderr,
            env=env,
            container=ctx,
            spawn=_spawner(ctx, cwd),
            cwd=cwd,
            extra={"tty": "1"} if io.tty else {},
        )
        try:
            return await fn(inv)
        except FsError as exc:
            await io.stderr.write(f"{inv.name}: {exc.path}: {exc.reason}\n")
            return 1

    return run


def _spawner(ctx: ContainerContext, cwd: str) -> Spawner:
    async def spawn(
        argv: list[str], stdin: Pipe, stdout: Writer, stderr: Writer, env: dict[str, str]
    ) -> int:
        program = find_program(ctx, argv[0])
        if program is None:
            return -1
        return await program(argv, IO(stdin, stdout, stderr), env, cwd)

    return spawn


def _busybox_program(ctx: ContainerContext) -> Program:
    async def run(argv: list[str], io: IO, env: dict[str, str], cwd: str) -> int:
        if len(argv) < 2:
            await io.stdout.write(
                "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n"
                "Usage: busybox [function [arguments]...]\n"
            )
            return 0
        program = find_program(ctx, argv[1])
        if program is None:
            await io.stderr.write(f"{argv[1]}: applet not found\n")
            return 127
        return await program(argv[1:], io, env, cwd)

    return run


def _shell_program(ctx: ContainerContext, name: str) -> Program:
    async def run(argv: list[str], io: IO, env: dict[str, str], cwd: str) -> int:
        return await run_shell_argv(ctx, argv, io, env, cwd, name)

    return run


async def run_shell_argv(
    ctx: ContainerContext, argv: list[str], io: IO, env: dict[str, str], cwd: str, name: str
) -> int:
    """`sh [-c CMD [NAME [ARGS...]]] [-e] [SCRIPT]`, non-interactive (an interactive shell on
    a terminal is `kubelab.sim.dataplane.terminal`)."""
    args = argv[1:]
    command: str | None = None
    errexit = False
    while args and args[0].startswith("-") and args[0] not in ("-", "--"):
        flag = args.pop(0)
        if "c" in flag:
            if not args:
                shell_name = posixpath.basename(argv[0])
                await io.stderr.write(f"{shell_name}: -c requires an argument\n")
                return 2
            command = args.pop(0)
        if "e" in flag:
            errexit = True
    if args and args[0] == "--":
        args.pop(0)
    shell = Shell(ctx, env, name=posixpath.basename(argv[0]) or name, cwd=cwd)
    shell.errexit = errexit
    if command is not None:
        shell.from_c = True
        if args:
            shell.name = args[0]
            shell.positional = args[1:]
        return await shell.run_script(command, io)
    if args:
        path = ctx.files.resolve(args[0], cwd)
        try:
            source = ctx.files.read(path)
        except FsError:
            await io.stderr.write(
                f"{shell.name}: can't open '{args[0]}': No such file or directory\n"
            )
            return 2
        shell.positional = args[1:]
        return await shell.run_script(source, io)
    return await shell.run_stream(io)


# -- builtins ---------------------------------------------------------------------------
Builtin = Callable[[Shell, list[str], IO], Awaitable[int]]


async def _exit(sh: Shell, argv: list[str], io: IO) -> int:
    status = sh.status
    if len(argv) > 1:
        if not argv[1].lstrip("-").isdigit():
            await sh.report(io, f"exit: Illegal number: {argv[1]}")
            raise ExitShell(2)
        status = int(argv[1]) & 0xFF
    raise ExitShell(status)


async def _colon(sh: Shell, argv: list[str], io: IO) -> int:
    return 0


async def _cd(sh: Shell, argv: list[str], io: IO) -> int:
    target = argv[1] if len(argv) > 1 else sh.vars.get("HOME", "/")
    if target == "-":
        target = sh.vars.get("OLDPWD", sh.cwd)
    path = sh.ctx.files.resolve(target, sh.cwd)
    if not sh.ctx.files.is_dir(path):
        reason = "can't cd to" if sh.flavor != "bash" else "cd:"
        if sh.flavor == "bash":
            await sh.report(io, f"cd: {target}: No such file or directory")
        else:
            await sh.report(io, f"cd: {reason} {target}: No such file or directory")
        return 2 if sh.flavor != "bash" else 1
    sh.vars["OLDPWD"] = sh.cwd
    sh.cwd = path
    sh.vars["PWD"] = path
    return 0


async def _pwd(sh: Shell, argv: list[str], io: IO) -> int:
    await io.stdout.write(sh.cwd + "\n")
    return 0


async def _export(sh: Shell, argv: list[str], io: IO) -> int:
    if len(argv) == 1 or argv[1] == "-p":
        for k in sorted(sh.exported):
            if k in sh.vars:
                await io.stdout.write(f"export {k}='{sh.vars[k]}'\n")
        return 0
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    return 0


async def _unset(sh: Shell, argv: list[str], io: IO) -> int:
    for name in argv[1:]:
        if name in ("-v", "-f"):
            continue
        sh.vars.pop(name, None)
        sh.exported.discard(name)
    return 0


async def _read(sh: Shell, argv: list[str], io: IO) -> int:
    names = [a for a in argv[1:] if not a.startswith("-")] or ["REPLY"]
    raw = "-r" in argv[1:]
    line = await io.stdin.readline()
    if not line:
        for n in names:
            sh.vars[n] = ""
        return 1
    text = line.rstrip("\n")
    if not raw:
        text = text.replace("\\", "")
    parts = text.split(None, len(names) - 1) if text.strip() else []
    for i, n in enumerate(names):
        sh.vars[n] = parts[i].strip() if i < len(parts) else ""
    return 0


async def _break(sh: Shell, argv: list[str], io: IO) -> int:
    levels = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
    raise LoopControl("break", max(levels, 1))


async def _continue(sh: Shell, argv: list[str], io: IO) -> int:
    levels = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
    raise LoopControl("continue", max(levels, 1))


async def _shift(sh: Shell, argv: list[str], io: IO) -> int:
    n = int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else 1
    if n > len(sh.positional):
        return 1
    sh.positional = sh.positional[n:]
    return 0


async def _set(sh: Shell, argv: list[str], io: IO) -> int:
    if len(argv) == 1:
        for k in sorted(sh.vars):
            await io.stdout.write(f"{k}='{sh.vars[k]}'\n")
        return 0
    args = argv[1:]
    while args and args[0][:1] in "-+" and args[0] != "--":
        flag = args.pop(0)
        if "e" in flag:
            sh.errexit = flag.startswith("-")
    if args and args[0] == "--":
        args.pop(0)
    if args or "--" in argv:
        sh.positional = args
    return 0


async def _eval(sh: Shell, argv: list[str], io: IO) -> int:
    return await sh.run_source(" ".join(argv[1:]), io)


async def _exec(sh: Shell, argv: list[str], io: IO) -> int:
    if len(argv) == 1:
        return 0
    status = await sh.run_program(argv[1:], io, sh.environ())
    raise ExitShell(status)


async def _command(sh: Shell, argv: list[str], io: IO) -> int:
    args = argv[1:]
    if args and args[0] in ("-v", "-V"):
        status = 0
        for name in args[1:]:
            if name in BUILTINS:
                await io.stdout.write(name + "\n")
            elif sh.find_program(name) is not None:
                where = "/bin/" if sh.ctx.image.shell == "busybox" else "/usr/bin/"
                await io.stdout.write((name if "/" in name else where + name) + "\n")
            else:
                status = 127 if sh.flavor != "bash" else 1
        return status
    if not args:
        return 0
    return await sh.run_program(args, io, sh.environ())


async def _return(sh: Shell, argv: list[str], io: IO) -> int:
    raise ReturnFromFunction(
        int(argv[1]) & 0xFF if len(argv) > 1 and argv[1].isdigit() else sh.status
    )


async def _wait(sh: Shell, argv: list[str], io: IO) -> int:
    """Wait for this shell's background jobs; the status of the last one."""
    status = 0
    for task in list(sh.jobs):
        try:
            status = await task
        except asyncio.CancelledError:
            status = 143
    sh.jobs.clear()
    return status


BUILTINS: dict[str, Builtin] = {
    "exit": _exit,
    ":": _colon,
    "cd": _cd,
    "pwd": _pwd,
    "export": _export,
    "unset": _unset,
    "read": _read,
    "break": _break,
    "continue": _continue,
    "shift": _shift,
    "set": _set,
    "eval": _eval,
    "exec": _exec,
    "command": _command,
    "wait": _wait,
    "return": _return,
    "trap": _colon,
}
