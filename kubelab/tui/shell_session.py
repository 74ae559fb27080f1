"""The learner's shell in a pseudo-terminal: start it, feed it keys, read its output, resize it.

The console runs the learner's own shell (`$SHELL`, else bash, else sh) on their own machine, as
any terminal does, with the environment `kubelab shell` gives. The shell is the session leader of
its pty, so the pty's foreground process group tells whether a command is running. Nothing here
imports textual.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import shutil
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ptyprocess

READ_BYTES = 65536


class ShellStartError(Exception):
    """The shell could not be started (not found, no pty left)."""


def shell_program(env: Mapping[str, str]) -> str:
    """The learner's shell: `$SHELL` when it exists, else bash, else sh (found on `env`'s PATH)."""
    path = env.get("PATH")
    for candidate in (env.get("SHELL") or "", "bash", "sh"):
        if candidate and (found := shutil.which(candidate, path=path)):
            return found
    raise ShellStartError("no shell found: set $SHELL, or install bash or sh")


class ShellSession:
    """A running shell in a pty (the parent's end: `fd`)."""

    def __init__(self, process: Any) -> None:
        self._process = process  # ptyprocess.PtyProcess
        self.exit_code: int | None = None
        self.close_error: str | None = None

    @property
    def fd(self) -> int:
        return int(self._process.fd)

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def read(self, timeout: float) -> bytes | None:
        """Output available within `timeout` (b"" if none yet); None once the shell is gone."""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return b""
            data = os.read(self.fd, READ_BYTES)
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.EBADF):  # the pty closed: the shell ended
                return None
            raise
        except ValueError:  # the fd was closed meanwhile
            return None
        return data or None

    def write(self, data: bytes) -> None:
        """Bytes as if typed (a closed pty is ignored: the exit is reported by `read`)."""
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.fd, view)
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    return
                if exc.errno == errno.EAGAIN:
                    select.select([], [self.fd], [], 1.0)
                    continue
                raise
            view = view[written:]

    def resize(self, rows: int, cols: int) -> None:
        """The kernel sends SIGWINCH to the foreground job, which redraws."""
        if self._process.isalive():
            self._process.setwinsize(rows, cols)

    def foreground_command(self) -> bool:
        """A command started from the shell holds the terminal (not the shell at its prompt)."""
        try:
            group = os.tcgetpgrp(self.fd)
        except OSError:
            return False
        return group not in (-1, self.pid)

    def is_alive(self) -> bool:
        return bool(self._process.isalive())

    def wait_exit(self) -> int | None:
        """The exit code once the shell ended (128+signal when killed by one)."""
        if self.exit_code is None and not self._process.isalive():
            status = self._process.exitstatus
            signalled = self._process.signalstatus
            self.exit_code = 128 + int(signalled) if signalled is not None else status
        return self.exit_code

    def close(self) -> None:
        """End the shell and every job of its session (SIGHUP, as a closed terminal does)."""
        if self._process.isalive():
            # it may be gone between the check and the signal
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGHUP)
        try:
            self._process.close(force=True)
        except ptyprocess.PtyProcessError as exc:
            # the children ignored every signal ptyprocess sends: nothing more can be done
            self.close_error = str(exc)


class PtyShellRunner:
    """The real `ShellRunner`: the shell in a pty (ptyprocess)."""

    def spawn(
        self, argv: list[str], env: Mapping[str, str], cwd: Path, size: tuple[int, int]
    ) -> ShellSession:
        try:
            process = ptyprocess.PtyProcess.spawn(
                argv, cwd=str(cwd), env=dict(env), dimensions=size
            )
        except (OSError, ptyprocess.PtyProcessError) as exc:
            raise ShellStartError(f"cannot start {argv[0]}: {exc}") from exc
        return ShellSession(process)
