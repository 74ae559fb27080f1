"""The builtins: commands that change the shell itself (`cd`, `export`, `read`, `set`,
`exit`, `break`, `return`, `wait`...) and so run inside it rather than as programs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from kubelab.sim.dataplane.shell.control import ExitShell, LoopControl, ReturnFromFunction
from kubelab.sim.dataplane.shell.streams import IO

if TYPE_CHECKING:
    from kubelab.sim.dataplane.shell.interpreter import Shell

Builtin = Callable[["Shell", list[str], IO], Awaitable[int]]


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
