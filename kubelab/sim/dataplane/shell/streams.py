"""The standard streams a command runs with."""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.sim.dataplane.pipes import Pipe, Writer


@dataclass
class IO:
    stdin: Pipe
    stdout: Writer
    stderr: Writer
    tty: bool = False  # stdout is the terminal (`ls` prints columns, curl hides its meter)
