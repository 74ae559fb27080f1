"""Runs parsed shell programs inside a simulated container: the shell's state, its entry
points, and the executor of lists, pipelines and simple commands.

The parts of the language live beside it: word expansion (expand.py), redirections
(redirects.py), compound commands and function calls (compound.py), the builtins
(builtin_commands.py); every other program comes from programs.py. Messages follow busybox
`ash` (`sh: foo: not found`), Debian's `dash` (`sh: 1: foo: not found`) or `bash`, depending on
the image's shell.
"""

from __future__ import annotations

import asyncio

from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import BrokenPipe, Pipe, Writer
from kubelab.sim.dataplane.shell.builtin_commands import BUILTINS
from kubelab.sim.dataplane.shell.compound import call_function, run_compound
from kubelab.sim.dataplane.shell.control import ExitShell, LoopControl, ShellError
from kubelab.sim.dataplane.shell.expand import expand_string, expand_word
from kubelab.sim.dataplane.shell.jobs import JOBS
from kubelab.sim.dataplane.shell.lexer import ShellSyntaxError
from kubelab.sim.dataplane.shell.parser import parse
from kubelab.sim.dataplane.shell.programs import Program, find_program
from kubelab.sim.dataplane.shell.redirects import apply_redirects
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.shell.syntax import (
    AndOr,
    Command,
    FunctionDef,
    Pipeline,
    Sequence,
    Simple,
)

SIGPIPE_STATUS = 141


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
        """Parse and run a whole program; syntax errors are reported (status 2), and so is a
        shell error no command reported itself (an expansion in `for` or `case` words, calls
        nested too deep), which ends the program as it ends busybox ash's."""
        try:
            program = parse(source)
        except ShellSyntaxError as exc:
            await io.stderr.write(self.syntax_message(exc) + "\n")
            self.status = 2
            return 2
        try:
            return await self.run_sequence(program, io)
        except ShellError as exc:
            await self.report(io, exc.message)
            self.status = exc.status
            return exc.status

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
            io = await apply_redirects(self, cmd.redirects, io)
        except ShellError as exc:
            await self.report(io, exc.message)
            return exc.status
        return await run_compound(self, cmd, io)

    async def run_simple(self, cmd: Simple, io: IO) -> int:
        try:
            argv: list[str] = []
            for word in cmd.words:
                argv.extend(await expand_word(self, word, io))
            assigns = [(name, await expand_string(self, word, io)) for name, word in cmd.assigns]
            io = await apply_redirects(self, cmd.redirects, io)
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
            return await call_function(self, function, argv, io)
        builtin = BUILTINS.get(argv[0])
        if builtin is not None:
            return await builtin(self, argv, io)
        return await self.run_program(argv, io, env)

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
