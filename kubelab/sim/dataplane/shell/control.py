"""How a running shell leaves what it is doing: `exit`, `break`/`continue` and `return` unwind as
exceptions to the construct that ends them, and errors the shell reports itself carry their
message and exit status."""

from __future__ import annotations


class ExitShell(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class LoopControl(Exception):
    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind, levels)
        self.kind = kind
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ShellError(Exception):
    """An error the shell reports itself (bad substitution, arithmetic, redirection)."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
