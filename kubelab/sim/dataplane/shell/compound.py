"""Compound commands: `for`, `while`/`until`, `case`, `if`, `{ ...; }` and `( ... )`, and calls
of shell functions.

Pod commands may be hostile, so both ways to run without end are budgeted: a loop yields to the
server every round and sleeps LOOP_PAUSE every LOOP_BURST rounds (`while true; do :; done`
cannot starve the API), and function calls nest at most MAX_DEPTH deep (`f() { f; }; f`).
"""

from __future__ import annotations

import asyncio
import fnmatch
from typing import TYPE_CHECKING

from kubelab.sim.dataplane.shell.control import (
    ExitShell,
    LoopControl,
    ReturnFromFunction,
    ShellError,
)
from kubelab.sim.dataplane.shell.expand import expand_string, expand_word
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.shell.syntax import Case, Command, For, Group, If, Sequence, While

if TYPE_CHECKING:
    from kubelab.sim.dataplane.shell.interpreter import Shell

MAX_DEPTH = 100  # nested function calls
LOOP_BURST = 256  # loop iterations between two pauses
LOOP_PAUSE = 0.01  # seconds

Compound = For | While | Case | If | Group


async def run_compound(sh: Shell, cmd: Compound, io: IO) -> int:
    """Run a compound command whose redirections are already applied to `io`."""
    if isinstance(cmd, For):
        return await _run_for(sh, cmd, io)
    if isinstance(cmd, While):
        return await _run_while(sh, cmd, io)
    if isinstance(cmd, Case):
        return await _run_case(sh, cmd, io)
    if isinstance(cmd, If):
        return await _run_if(sh, cmd, io)
    return await _run_group(sh, cmd, io)


async def _run_for(sh: Shell, node: For, io: IO) -> int:
    if node.words is None:
        values = list(sh.positional)
    else:
        values = []
        for word in node.words:
            values.extend(await expand_word(sh, word, io))
    status = 0
    for value in values:
        sh.vars[node.var] = value
        status, go_on = await _round(sh, node.body, io, status)
        if not go_on:
            break
    sh.status = status
    return status


async def _run_while(sh: Shell, node: While, io: IO) -> int:
    status = 0
    while True:
        cond = await sh.run_sequence(node.cond, io)
        if (cond == 0) == node.until:
            break
        status, go_on = await _round(sh, node.body, io, status)
        if not go_on:
            break
    sh.status = status
    return status


async def _round(sh: Shell, body: Sequence, io: IO, status: int) -> tuple[int, bool]:
    """One round of a loop's body: the loop's status after it, and whether the loop goes on
    (after a pause, `_loop_pause`).

    `break` ends this loop and `continue` this round (the status stays the one before it);
    `break N` and `continue N` pass on to the enclosing loop with N - 1.
    """
    try:
        status = await sh.run_sequence(body, io)
    except LoopControl as ctl:
        if ctl.levels > 1:
            raise LoopControl(ctl.kind, ctl.levels - 1) from None
        if ctl.kind == "break":
            return status, False
    await _loop_pause(sh)
    return status, True


async def _loop_pause(sh: Shell) -> None:
    """Yield to the server between loop iterations; a busy loop gets a short sleep every
    LOOP_BURST rounds so it cannot starve the API."""
    sh.iterations += 1
    await asyncio.sleep(LOOP_PAUSE if sh.iterations % LOOP_BURST == 0 else 0)


async def _run_case(sh: Shell, node: Case, io: IO) -> int:
    value = await expand_string(sh, node.word, io)
    for patterns, body in node.items:
        for pattern in patterns:
            if fnmatch.fnmatchcase(value, await expand_string(sh, pattern, io)):
                return await sh.run_sequence(body, io)
    return 0


async def _run_if(sh: Shell, node: If, io: IO) -> int:
    for cond, body in node.branches:
        if await sh.run_sequence(cond, io) == 0:
            return await sh.run_sequence(body, io)
    if node.otherwise is not None:
        return await sh.run_sequence(node.otherwise, io)
    return 0


async def _run_group(sh: Shell, node: Group, io: IO) -> int:
    """`{ ...; }` runs in this shell; `( ... )` in a copy of it, where `exit` ends only the copy."""
    if not node.subshell:
        return await sh.run_sequence(node.body, io)
    sub = sh.fork()
    try:
        return await sub.run_sequence(node.body, io)
    except ExitShell as exc:
        return exc.status


async def call_function(sh: Shell, body: Command, argv: list[str], io: IO) -> int:
    """Run a shell function's body with `argv[1:]` as its positional parameters."""
    saved = sh.positional
    sh.positional = argv[1:]
    sh.depth += 1
    try:
        if sh.depth > MAX_DEPTH:
            raise ShellError("function nesting too deep", status=2)
        return await sh.run_command(body, io)
    except ReturnFromFunction as ret:
        sh.status = ret.status
        return ret.status
    finally:
        sh.depth -= 1
        sh.positional = saved
