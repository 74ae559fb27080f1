"""The console's pure parts: what it accepts, the argv it builds, how it cleans output."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.tui.console_process import (
    ConsoleInputError,
    ConsoleStartError,
    PexpectRunner,
    clean_output,
    kubectl_argv,
    parse_command,
)

KUBECTL = Path("/venv/bin/kubectl")


def test_kubectl_lines_become_argument_lists_without_a_shell() -> None:
    assert parse_command("kubectl get svc 'my nginx' -o wide") == [
        "kubectl",
        "get",
        "svc",
        "my nginx",
        "-o",
        "wide",
    ]
    # shell syntax stays literal: no pipes, no substitution
    assert parse_command("kubectl get pods | grep x") == [
        "kubectl",
        "get",
        "pods",
        "|",
        "grep",
        "x",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "type a kubectl command"),
        ("ls /", "the console runs kubectl only"),
        ("bash -c 'kubectl get pods'", "the console runs kubectl only"),
        ("kubectl get 'unterminated", "cannot read that line"),
    ],
)
def test_anything_else_is_refused_with_a_reason(line: str, message: str) -> None:
    with pytest.raises(ConsoleInputError, match=message):
        parse_command(line)


def test_the_lab_context_and_namespace_are_added_unless_given() -> None:
    argv = kubectl_argv(KUBECTL, ["kubectl", "get", "pods"], namespace="lab", context="ctx")
    assert argv == [str(KUBECTL), "--context=ctx", "--namespace=lab", "get", "pods"]
    for own in (["-n", "other"], ["--namespace=other"], ["-A"], ["--all-namespaces"]):
        argv = kubectl_argv(
            KUBECTL, ["kubectl", "get", "pods", *own], namespace="lab", context=None
        )
        assert "--namespace=lab" not in argv
    argv = kubectl_argv(
        KUBECTL, ["kubectl", "--context", "x", "get", "pods"], namespace=None, context="ctx"
    )
    assert "--context=ctx" not in argv


def test_terminal_output_is_cleaned() -> None:
    assert clean_output("\x1b[1;32mok\x1b[0m\r\nnext\r\n") == "ok\nnext\n"
    assert clean_output("10%\r50%\r100%\n") == "100%\n"
    assert clean_output("\x1b]0;title\x07# ") == "# "


def test_a_real_process_in_a_pty_keeps_its_last_output(tmp_path: Path) -> None:
    script = tmp_path / "say"
    script.write_text('#!/bin/sh\nread line\necho "got:$line"\nexit 3\n')
    script.chmod(0o755)
    process = PexpectRunner().spawn([str(script)], {"PATH": "/usr/bin:/bin"}, (24, 80))
    process.send_line("hello")
    output = ""
    for _ in range(200):
        chunk = process.read(0.05)
        if chunk is None:
            break
        output += chunk
    assert "got:hello" in clean_output(output)
    assert process.exit_status() == 3


def test_a_command_that_cannot_start_is_an_error_with_its_reason(tmp_path: Path) -> None:
    with pytest.raises(ConsoleStartError, match="cannot start"):
        PexpectRunner().spawn([str(tmp_path / "no-kubectl")], {}, (24, 80))
