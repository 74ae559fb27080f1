"""Redirections (`<`, `>`, `>>`, `<<`, `N>&M`, `N<&-`): the streams a command runs with, and
the messages busybox ash, dash or bash give when a file cannot be opened."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import NullWriter, Pipe, Writer
from kubelab.sim.dataplane.shell.control import ShellError
from kubelab.sim.dataplane.shell.expand import expand_string
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.shell.syntax import Redirect
from kubelab.sim.dataplane.vfs import FsError

if TYPE_CHECKING:
    from kubelab.sim.dataplane.shell.interpreter import Shell


class FileWriter:
    """Output redirected into a file of the container's file system."""

    def __init__(self, ctx: ContainerContext, path: str) -> None:
        self.ctx = ctx
        self.path = path

    async def write(self, data: str) -> None:
        self.ctx.files.write(self.path, data, append=True)
        await asyncio.sleep(0)


async def apply_redirects(sh: Shell, redirects: list[Redirect], io: IO) -> IO:
    """The streams `io` becomes under `redirects`, applied left to right."""
    if not redirects:
        return io
    fds: dict[int, Pipe | Writer] = {0: io.stdin, 1: io.stdout, 2: io.stderr}
    for r in redirects:
        target = await expand_string(sh, r.target, io)
        if r.op in (">&", "<&"):
            if target == "-":
                fds[r.fd] = NullWriter() if r.fd else Pipe.of("")
                continue
            if not target.isdigit() or int(target) not in fds:
                raise ShellError(
                    f"{target}: bad file descriptor"
                    if sh.flavor != "dash"
                    else f"{target}: Bad fd number"
                )
            fds[r.fd] = fds[int(target)]
        elif r.op == "<":
            fds[r.fd] = Pipe.of(_read_file(sh, target))
        elif r.op == "<<":
            fds[r.fd] = Pipe.of(target)
        else:
            fds[r.fd] = _open_output(sh, target, append=r.op == ">>")
    stdin = fds[0]
    return IO(
        stdin if isinstance(stdin, Pipe) else Pipe.of(""),
        _writer(fds[1]),
        _writer(fds[2]),
        io.tty and fds[1] is io.stdout,
    )


def _read_file(sh: Shell, target: str) -> str:
    if target in ("/dev/null", "/dev/zero"):
        return ""
    path = sh.ctx.files.resolve(target, sh.cwd)
    try:
        return sh.ctx.files.read(path)
    except FsError as exc:
        if sh.flavor == "dash":
            raise ShellError(f"cannot open {target}: No such file") from None
        if sh.flavor == "bash":
            raise ShellError(f"{target}: {exc.reason}", status=1) from None
        raise ShellError(f"can't open '{target}': {exc.reason}", status=1) from None


def _open_output(sh: Shell, target: str, append: bool) -> Writer:
    if target == "/dev/null":
        return NullWriter()
    fs = sh.ctx.files
    path = fs.resolve(target, sh.cwd)
    try:
        if not append or not fs.exists(path):
            fs.write(path, "")
    except FsError as exc:
        if sh.flavor == "dash":
            raise ShellError(f"cannot create {target}: Directory nonexistent") from None
        if sh.flavor == "bash":
            raise ShellError(f"{target}: {exc.reason}", status=1) from None
        reason = "nonexistent directory" if exc.reason.startswith("No such") else exc.reason
        raise ShellError(f"can't create {target}: {reason}") from None
    return FileWriter(sh.ctx, path)


def _writer(target: Pipe | Writer) -> Writer:
    return target
