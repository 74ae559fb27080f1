"""Exit codes and how every command leaves on an error the user can cause: a message (and a
hint) on stderr, never a traceback. 0 success, 1 a check failed / lint problems, 2 an error,
130 Ctrl-C."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, NoReturn, TypeVar, cast

import click

from kubelab.cluster.base import ClusterError

F = TypeVar("F", bound=Callable[..., Any])

ERROR_EXIT: Final = 2
"""Could not do what was asked (usage, cluster, lesson problems): never 1, "a check failed"."""
INTERRUPTED_EXIT: Final = 130
"""Ctrl-C (128 + SIGINT, the shell's convention)."""


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
    and hint and exit 2; Ctrl-C becomes `kubelab: interrupted` and exit 130, never click's exit 1
    (what the command cleans up in its `finally` blocks, such as a grading namespace, is
    cleaned up first)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ClusterError as exc:
            fail_cluster(exc)
        except KeyboardInterrupt:
            click.echo("kubelab: interrupted", err=True)
            raise SystemExit(INTERRUPTED_EXIT) from None

    return cast(F, wrapper)
