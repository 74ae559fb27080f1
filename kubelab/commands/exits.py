"""Exit codes and how every command leaves on an error the user can cause: a message (and a
hint) on stderr, never a traceback. 0 success, 1 a check failed / lint problems, 2 an error,
130 Ctrl-C, 143 SIGTERM."""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any, Final, NoReturn, TypeVar, cast

import click

from kubelab.cluster.base import ClusterError

F = TypeVar("F", bound=Callable[..., Any])

ERROR_EXIT: Final = 2
"""Could not do what was asked (usage, cluster, lesson problems): never 1, "a check failed"."""
INTERRUPTED_EXIT: Final = 130
"""Ctrl-C (128 + SIGINT, the shell's convention)."""
TERMINATED_EXIT: Final = 143
"""SIGTERM (128 + 15): what `timeout`, a cancelled CI job and `kill` send."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so it unwinds (and cleans up) as Ctrl-C does."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated` (in the main thread; elsewhere, nothing)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class CommandFailed(SystemExit):
    """Exit 2 with a message already shown; commands that write reports catch it to write one
    that says why (`kubelab.commands.report_output`)."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(ERROR_EXIT)
        self.message = message
        self.hint = hint


def fail(message: str, hint: str | None = None) -> NoReturn:
    """A user-facing error: message (and hint) on stderr, exit 2, no traceback."""
    click.echo(f"kubelab: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
    raise CommandFailed(message, hint)


def fail_cluster(exc: ClusterError) -> NoReturn:
    fail(exc.message, exc.hint)


def exit_codes(function: F) -> F:
    """A ClusterError (a refused confirmation too) that reaches the command becomes its message
    and hint and exit 2; Ctrl-C becomes `kubelab: interrupted` and exit 130, never click's exit 1,
    and SIGTERM `kubelab: terminated` and exit 143 (what the command cleans up in its `finally`
    blocks, such as a grading namespace, is cleaned up first, for both)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with sigterm_as_interrupt():
                return function(*args, **kwargs)
        except ClusterError as exc:
            fail_cluster(exc)
        except Terminated:
            click.echo("kubelab: terminated", err=True)
            raise SystemExit(TERMINATED_EXIT) from None
        except KeyboardInterrupt:
            click.echo("kubelab: interrupted", err=True)
            raise SystemExit(INTERRUPTED_EXIT) from None

    return cast(F, wrapper)
