"""kubectl in a pseudo-terminal (pexpect), so interactive commands work inside the console.

`kubectl run ... -i --tty`, `kubectl exec -it POD -- sh` and `kubectl get pods -w` need a terminal:
the console starts kubectl as an argument list (never through a shell) in a pty, forwards what the
learner types, and hands the output back in chunks. Nothing here imports textual.
"""

from __future__ import annotations

import os
import re
import select
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect

# CSI sequences (colours, cursor moves), OSC sequences (titles), and lone escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
DRAIN_SECONDS = 0.05
NAMESPACE_FLAGS = ("-n", "--namespace", "-A", "--all-namespaces")


def clean_output(text: str) -> str:
    """Terminal output as plain text: escape sequences dropped, CRLF and stray CRs removed."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    # a CR alone returns to the line start (progress output): keep what was written last
    lines = []
    for line in text.split("\n"):
        if "\r" in line:
            parts = [p for p in line.split("\r") if p]
            line = parts[-1] if parts else ""
        lines.append(line)
    return "\n".join(lines).replace("\x07", "")


class ConsoleInputError(ValueError):
    """What the learner typed is not something the console runs."""


class ConsoleStartError(Exception):
    """The command could not be started (kubectl missing, no pty left)."""


def parse_command(line: str) -> list[str]:
    """The kubectl argument list for a console line; `ConsoleInputError` for anything else."""
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise ConsoleInputError(f"cannot read that line: {exc}") from None
    if not argv:
        raise ConsoleInputError("type a kubectl command, e.g. `kubectl get pods`")
    if argv[0] != "kubectl":
        raise ConsoleInputError(
            f"the console runs kubectl only (got {argv[0]!r}); type `kubectl ...`, "
            "or use `kubelab shell` in another terminal for a full shell"
        )
    return argv


def kubectl_argv(
    kubectl: Path, argv: list[str], *, namespace: str | None, context: str | None
) -> list[str]:
    """The full argv for `argv` (starting with "kubectl"): the lab's context and namespace added
    unless the learner gave their own."""
    args = argv[1:]
    extra: list[str] = []
    if context and not any(a == "--context" or a.startswith("--context=") for a in args):
        extra.append(f"--context={context}")
    named = any(a in NAMESPACE_FLAGS or a.startswith(("--namespace=", "-n=")) for a in args)
    if namespace and not named:
        extra.append(f"--namespace={namespace}")
    return [str(kubectl), *extra, *args]


@dataclass
class ConsoleProcess:
    """A running kubectl in a pty."""

    child: Any  # pexpect.spawn
    ended: bool = False

    def read(self, timeout: float = 0.1) -> str | None:
        """Output available within `timeout` ("" if none yet); None once the process ended."""
        if self.ended:
            return None
        try:
            data = self.child.read_nonblocking(size=65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return ""
        except pexpect.EOF:
            self.ended = True
            return self._drain() or None
        return str(data)

    def _drain(self) -> str:
        """What the child wrote just before it exited. pexpect reports EOF as soon as the child
        is gone and the pty has nothing *yet*; Linux moves pty output to the reader
        asynchronously, so the last lines can still be on their way."""
        chunks: list[bytes] = []
        fd = self.child.child_fd
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], DRAIN_SECONDS)
                if not ready:
                    break
                data = os.read(fd, 65536)
            except (OSError, ValueError):  # EIO: the pty is empty and closed
                break
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks).decode("utf-8", errors="replace")

    def send(self, text: str) -> None:
        self.child.send(text)

    def send_line(self, line: str) -> None:
        # a terminal's Enter key sends CR; the pty turns it into a newline where it should
        self.child.send(line + "\r")

    def interrupt(self) -> None:
        """Ctrl-C, as a terminal sends it."""
        self.child.sendcontrol("c")

    def end_of_file(self) -> None:
        """Ctrl-D, as a terminal sends it."""
        self.child.sendcontrol("d")

    def is_alive(self) -> bool:
        return bool(self.child.isalive())

    def exit_status(self) -> int | None:
        """The exit code once ended (128+signal when killed by a signal)."""
        if self.child.isalive():
            return None
        self.child.close()
        if self.child.signalstatus is not None:
            return 128 + int(self.child.signalstatus)
        return None if self.child.exitstatus is None else int(self.child.exitstatus)

    def terminate(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)

    def resize(self, rows: int, cols: int) -> None:
        if self.child.isalive():
            self.child.setwinsize(rows, cols)


class PexpectRunner:
    """The real `ConsoleRunner`: argv spawned directly (no shell) in a pty."""

    def spawn(
        self, argv: list[str], env: Mapping[str, str], size: tuple[int, int]
    ) -> ConsoleProcess:
        try:
            child = pexpect.spawn(
                argv[0],
                argv[1:],
                env=dict(env),
                encoding="utf-8",
                codec_errors="replace",
                dimensions=size,
                echo=False,
            )
        except (pexpect.ExceptionPexpect, OSError) as exc:
            raise ConsoleStartError(f"cannot start {argv[0]}: {exc}") from exc
        return ConsoleProcess(child)


def display(argv: list[str]) -> str:
    """A command as the learner would type it."""
    return shlex.join(argv)
