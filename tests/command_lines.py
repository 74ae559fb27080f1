"""Resolving a `kubelab ...` command line the way the shell and click would, without running it:
every option must exist and take the value given (for commands a test cannot run, such as the
interactive lab, or a workflow's steps)."""

from __future__ import annotations

import shlex

import click

from kubelab.cli import main


def resolve(line: str) -> click.Context:
    """The parsed context of `kubelab ...` (a usage error raises click.UsageError)."""
    words = shlex.split(line)
    assert words and words[0] == "kubelab", line
    top = click.Context(main, info_name="kubelab")
    if len(words) > 1 and not words[1].startswith("-"):
        command = main.get_command(top, words[1])
        if command is None:
            raise click.UsageError(f"no command {words[1]!r}", top)
        try:
            return command.make_context(words[1], words[2:], parent=top)
        except click.exceptions.Exit as exc:  # --help
            assert exc.exit_code == 0
            return top
    try:
        return main.make_context("kubelab", words[1:])
    except click.exceptions.Exit as exc:  # --help, --version
        assert exc.exit_code == 0
        return top
