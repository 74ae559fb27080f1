"""Hostile commands inside a pod get busybox's answers at once, never an internal error and
never unbounded work: 64-bit shell arithmetic (busybox `shell/math.c`), a linear-time regular
expression engine, printf field widths streamed or refused as printf(3) refuses them, bounded
captures and container files. Expected outputs were taken from busybox 1.35 (`busybox sh -c`)."""

from __future__ import annotations

import time
from typing import Any

import pytest

ARITH = [
    ("echo $((1<<-1))", "-9223372036854775808\n"),
    ("echo $((1<<64)) $((1>>-1)) $((-1>>1))", "1 0 -1\n"),
    ("echo $(( ((1<<30000000)-1)*((1<<30000000)-3) ))", "0\n"),
    ("echo $((9223372036854775807+1))", "-9223372036854775808\n"),
    ("echo $((-9223372036854775808/-1)) $((-9223372036854775808%-1))", "-9223372036854775808 0\n"),
    ("echo $((18446744073709551615)) $((99999999999999999999))", "-1 0\n"),
    ("echo $((-7/2)) $((-7%2)) $((010)) $((0x1f))", "-3 -1 8 31\n"),
    ("echo $((2**3**2)) $((-2**2)) $((2**64)) $((0**0))", "512 4 0 1\n"),
]


@pytest.mark.parametrize(("script", "stdout"), ARITH)
async def test_shell_arithmetic_is_64_bit(world: Any, script: str, stdout: str) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == (stdout, "", 0)


@pytest.mark.parametrize(
    ("script", "stderr"),
    [
        ("echo $((2**-1))", "sh: exponent less than 0\n"),
        ("echo $((08))", "sh: arithmetic syntax error: 08\n"),
        ("echo $((1/0))", "sh: divide by zero\n"),
    ],
)
async def test_arithmetic_errors_are_busybox_messages(world: Any, script: str, stderr: str) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == ("", stderr, 2)


async def test_catastrophic_regex_is_linear(world: Any) -> None:
    started = time.monotonic()
    result = await world.sh("echo " + "a" * 5000 + "! | grep -E '^(a+)+$'; echo $?")
    assert result.stdout == "1\n"
    assert time.monotonic() - started < 2.0
    sed = await world.sh("echo aaaa | sed -E 's/^(a+)+$/x/'")
    assert sed.stdout == "x\n"


async def test_back_references_are_refused_plainly(world: Any) -> None:
    result = await world.sh("echo abab | grep '\\(ab\\)\\1'")
    assert result.status == 2
    assert "back-references are not supported by the simulator" in result.stderr


async def test_printf_width_past_int_max_prints_nothing_and_fails(world: Any) -> None:
    result = await world.sh("printf 'a%3000000000sb\\n' x; echo $?")
    assert result.stdout == "ab\n1\n"


async def test_printf_huge_width_streams(world: Any) -> None:
    result = await world.sh("printf '%300000s|' x | wc -c")
    assert result.stdout == "300001\n"


async def test_capture_of_a_huge_output_is_out_of_memory(world: Any) -> None:
    result = await world.sh("x=$(printf '%40000000s'); echo ${#x}")
    assert result.stderr == "sh: out of memory\n"


async def test_container_files_are_bounded(world: Any) -> None:
    result = await world.sh("printf '%40000000s' > /tmp/big; echo $?")
    assert result.stdout == "1\n"
    assert result.stderr == "printf: /tmp/big: No space left on device\n"


@pytest.mark.parametrize(
    ("script", "stderr"),
    [
        # unbounded recursion stops at the call-depth limit (compound.MAX_DEPTH)
        ("f() { f; }; f; echo after", "sh: function nesting too deep\n"),
        # an expansion error outside a simple command (busybox shell/ash.c raises EXERROR, and
        # a shell that is not interactive exits with status 2)
        ("for i in $((1/0)); do echo $i; done; echo after", "sh: divide by zero\n"),
        ("case $((1/0)) in *) echo matched;; esac; echo after", "sh: divide by zero\n"),
    ],
)
async def test_a_shell_error_anywhere_ends_the_script_with_status_2(
    world: Any, script: str, stderr: str
) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == ("", stderr, 2)


async def test_a_shell_error_in_a_command_substitution_ends_only_the_substitution(
    world: Any,
) -> None:
    result = await world.sh("f() { f; }; echo x $(f) $?")
    assert (result.stdout, result.stderr, result.status) == (
        "x 2\n",
        "sh: function nesting too deep\n",
        0,
    )
