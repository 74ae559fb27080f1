"""What a command of the command table receives when it runs: argv, streams, env, container."""

from __future__ import annotations

import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kubelab.sim.dataplane.pipes import Pipe, Writer

if TYPE_CHECKING:
    from kubelab.sim.dataplane.container import ContainerContext


class Spawner(Protocol):
    """Runs another program (for `env CMD`, `xargs`, `timeout`): returns its exit status."""

    async def __call__(
        self, argv: list[str], stdin: Pipe, stdout: Writer, stderr: Writer, env: dict[str, str]
    ) -> int: ...


@dataclass
class Invocation:
    argv: list[str]
    stdin: Pipe
    stdout: Writer
    stderr: Writer
    env: dict[str, str]
    container: ContainerContext
    spawn: Spawner
    cwd: str = "/"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return posixpath.basename(self.argv[0])

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    async def out(self, text: str) -> None:
        await self.stdout.write(text)

    async def err(self, text: str) -> None:
        await self.stderr.write(text)

    async def fail(self, message: str, code: int = 1) -> int:
        """`<applet>: <message>` on stderr, as busybox's bb_error_msg prints it."""
        await self.stderr.write(f"{self.name}: {message}\n")
        return code

    def path(self, name: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, name))


CommandFn = Callable[[Invocation], Awaitable[int]]
