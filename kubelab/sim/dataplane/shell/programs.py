"""The programs a container can run, looked up by name or path: the command table
(`kubelab.sim.dataplane.commands`), the shells the image has, and `busybox APPLET`."""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable

from kubelab.sim.dataplane.commands import COMMANDS
from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import Pipe, Writer
from kubelab.sim.dataplane.process import Invocation, Spawner
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.vfs import FsError

SHELLS = ("sh", "ash", "dash", "bash")
BIN_DIRS = ("/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")

Program = Callable[[list[str], IO, dict[str, str], str], Awaitable[int]]


def find_program(ctx: ContainerContext, name: str) -> Program | None:
    """The program `name` runs in this container, or None (not found)."""
    base = posixpath.basename(name)
    if "/" in name and posixpath.dirname(posixpath.normpath(name)) not in BIN_DIRS:
        return None
    if base in SHELLS and ctx.has_command(base):
        # A shell runs commands it looks up here in turn, so the shell's own module (which
        # imports this one through the interpreter) is imported when a shell is run.
        from kubelab.sim.dataplane.shell.invoke import shell_program

        return shell_program(ctx, base)
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
