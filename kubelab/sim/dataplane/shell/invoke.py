"""The shell as a program: `sh [-c CMD [NAME [ARGS...]]] [-e] [SCRIPT]` runs a command string,
a script file or its standard input, non-interactively (an interactive shell on a terminal is
`kubelab.sim.dataplane.terminal`)."""

from __future__ import annotations

import posixpath

from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.shell.interpreter import Shell
from kubelab.sim.dataplane.shell.programs import Program
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.vfs import FsError


def shell_program(ctx: ContainerContext, name: str) -> Program:
    async def run(argv: list[str], io: IO, env: dict[str, str], cwd: str) -> int:
        return await run_shell_argv(ctx, argv, io, env, cwd, name)

    return run


async def run_shell_argv(
    ctx: ContainerContext, argv: list[str], io: IO, env: dict[str, str], cwd: str, name: str
) -> int:
    """Run `argv` (`sh` and its arguments) to its exit status."""
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
        return await _run_script_file(shell, args, io, cwd)
    return await shell.run_stream(io)


async def _run_script_file(shell: Shell, args: list[str], io: IO, cwd: str) -> int:
    """`sh SCRIPT [ARGS...]`: the script is read from the container's files."""
    path = shell.ctx.files.resolve(args[0], cwd)
    try:
        source = shell.ctx.files.read(path)
    except FsError:
        await io.stderr.write(f"{shell.name}: can't open '{args[0]}': No such file or directory\n")
        return 2
    shell.positional = args[1:]
    return await shell.run_script(source, io)
