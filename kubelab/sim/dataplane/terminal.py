"""A terminal (`-t`): the line discipline between the client's keystrokes and the programs,
and the interactive shell with its prompt (`/ # ` for busybox as root).

Cooked mode as a tty driver does it: keystrokes are echoed, Enter sends the line (`\\r\\n`
echoed), Backspace erases, Ctrl-U kills the line, Ctrl-D at the start of a line is end of
input, Ctrl-C interrupts the foreground command; output `\\n` becomes `\\r\\n`.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Awaitable, Callable

from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import Pipe, Writer
from kubelab.sim.dataplane.shell.control import ExitShell, LoopControl
from kubelab.sim.dataplane.shell.interpreter import Shell
from kubelab.sim.dataplane.shell.lexer import ShellSyntaxError
from kubelab.sim.dataplane.shell.parser import parse
from kubelab.sim.dataplane.shell.streams import IO

INTERRUPTED = 130


class TerminalOutput:
    """Program output onto the terminal: `\\n` -> `\\r\\n` (onlcr)."""

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self._send = send

    async def write(self, data: str) -> None:
        if data:
            await self._send(data.replace("\r\n", "\n").replace("\n", "\r\n"))


class LineDiscipline:
    """Keystrokes in, lines out (to `self.lines`), echo to the terminal."""

    def __init__(self, echo: Callable[[str], Awaitable[None]]) -> None:
        self.lines = Pipe()
        self._echo = echo
        self._line: list[str] = []
        self._escape = ""
        self.on_interrupt: Callable[[], None] | None = None
        self.history: list[str] = []
        self._recall = 0  # position in history while Up/Down browse it

    def _browse(self, step: int, echo: list[str]) -> None:
        """Up/Down: replace the line being typed by an earlier/later one (ash's history)."""
        if not self.history:
            return
        self._recall = max(0, min(len(self.history), self._recall + step))
        text = self.history[self._recall] if self._recall < len(self.history) else ""
        echo.append("\b \b" * len(self._line) + text)
        self._line = list(text)

    async def feed(self, data: str) -> None:
        echo: list[str] = []
        for ch in data:
            if self._escape:
                self._escape += ch
                if len(self._escape) > 1 and (ch.isalpha() or ch == "~"):
                    if self._escape in ("\x1b[A", "\x1bOA"):
                        self._browse(-1, echo)
                    elif self._escape in ("\x1b[B", "\x1bOB"):
                        self._browse(1, echo)
                    self._escape = ""
                continue
            if ch == "\x1b":
                self._escape = ch
            elif ch in ("\r", "\n"):
                echo.append("\r\n")
                line = "".join(self._line)
                self.lines.feed(line + "\n")
                if line.strip() and (not self.history or self.history[-1] != line):
                    self.history.append(line)
                self._recall = len(self.history)
                self._line.clear()
            elif ch in ("\x7f", "\b"):
                if self._line:
                    self._line.pop()
                    echo.append("\b \b")
            elif ch == "\x15":
                echo.append("\b \b" * len(self._line))
                self._line.clear()
            elif ch == "\x03":
                echo.append("^C")
                self._line.clear()
                if self.on_interrupt is not None:
                    self.on_interrupt()
            elif ch == "\x04":
                if self._line:
                    self.lines.feed("".join(self._line))
                    self._line.clear()
                else:
                    self.lines.feed_eof()
            elif ch == "\t" or ch >= " ":
                self._line.append(ch)
                echo.append(ch)
        if echo:
            await self._echo("".join(echo))

    def close(self) -> None:
        self.lines.close()


def prompt_for(shell: Shell) -> str:
    ctx = shell.ctx
    root = ctx.image.user == "root"
    home = shell.vars.get("HOME", ctx.image.home)
    cwd = shell.cwd
    shown = (
        "~" + cwd[len(home) :]
        if home != "/" and (cwd == home or cwd.startswith(home + "/"))
        else cwd
    )
    mark = "#" if root else "$"
    if shell.flavor == "bash":
        return f"{ctx.image.user}@{ctx.hostname}:{shown}{mark} "
    if shell.flavor == "dash":
        return f"{mark} "
    return f"{shown} {mark} "


async def interactive_shell(
    ctx: ContainerContext,
    env: dict[str, str],
    tty: LineDiscipline,
    out: Writer,
    name: str = "sh",
    show_first_prompt: bool = True,
) -> int:
    """Prompt, read a line, run it; until `exit` or Ctrl-D. Returns the exit status."""
    shell = Shell(ctx, env, name=posixpath.basename(name), interactive=True)
    io = IO(tty.lines, out, out, tty=True)
    pending = ""
    current: asyncio.Task[int] | None = None

    def interrupt() -> None:
        nonlocal pending
        if current is not None and not current.done():
            current.cancel()
        else:
            pending = ""
            asyncio.get_running_loop().create_task(out.write("\n" + prompt_for(shell)))

    tty.on_interrupt = interrupt
    first = True
    try:
        while True:
            if not first or show_first_prompt:
                await out.write("> " if pending else prompt_for(shell))
            first = False
            line = await tty.lines.readline()
            if not line:
                if tty.lines.at_eof or not pending:
                    await out.write("exit\n" if shell.flavor == "bash" else "\n")
                    return shell.status
                continue
            source = pending + line
            try:
                parse(source)
            except ShellSyntaxError as exc:
                if exc.incomplete:
                    pending = source
                    continue
            pending = ""
            current = asyncio.ensure_future(shell.run_source(source, io))
            try:
                shell.status = await current
            except asyncio.CancelledError:
                if asyncio.current_task() is not None and asyncio.current_task().cancelling():  # type: ignore[union-attr]
                    raise
                shell.status = INTERRUPTED
                await out.write("\n")
            except ExitShell as exc:
                return exc.status
            except LoopControl:
                pass
            finally:
                current = None
    finally:
        tty.on_interrupt = None
