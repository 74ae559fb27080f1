"""Helpers shared by command implementations: option parsing and input files."""

from __future__ import annotations

from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError


class UsageError(Exception):
    """Bad options: the command prints `message` (busybox style) and exits with `status`."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def is_gnu(inv: Invocation) -> bool:
    """Debian-based images run GNU coreutils (different messages from busybox)."""
    return inv.container.image.shell == "dash"


def split_flags(args: list[str], with_value: str = "") -> tuple[dict[str, str], list[str]]:
    """getopt-style parsing of short options: `-abc`, `-n 5`, `-n5`; `--` ends options.
    Options listed in `with_value` take an argument. Unknown options are kept as flags."""
    flags: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i + 1 :])
            break
        if arg.startswith("-") and len(arg) > 1 and not arg.startswith("--"):
            j = 1
            while j < len(arg):
                c = arg[j]
                if c in with_value:
                    value = arg[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(args):
                            raise UsageError(f"option requires an argument -- '{c}'")
                        value = args[i]
                    flags[c] = value
                    break
                flags[c] = ""
                j += 1
        elif arg.startswith("--") and len(arg) > 2:
            name, _, value = arg[2:].partition("=")
            flags["--" + name] = value
        else:
            rest.append(arg)
        i += 1
    return flags, rest


async def read_inputs(inv: Invocation, files: list[str]) -> tuple[list[str], int]:
    """The text of each input (stdin for none or `-`) and an exit status (1 if any failed,
    after printing `<cmd>: <file>: No such file or directory`)."""
    texts: list[str] = []
    status = 0
    for name in files or ["-"]:
        if name == "-":
            texts.append(await inv.stdin.read_all())
            continue
        try:
            texts.append(inv.container.files.read(inv.path(name)))
        except FsError as exc:
            await inv.err(f"{inv.name}: {name}: {exc.reason}\n")
            status = 1
    return texts, status


def lines_of(text: str) -> list[str]:
    """Lines without their newline (a last line without newline counts)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines
