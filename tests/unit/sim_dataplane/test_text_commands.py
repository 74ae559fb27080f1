"""grep's options and printf's conversions, as POSIX grep and printf(3) define them (each
expected output is also what GNU grep and printf(1) print)."""

from __future__ import annotations

from typing import Any

import pytest

FILES = "printf 'a\\nb\\na\\n' > /tmp/x; printf 'a\\n' > /tmp/y; "

GREP = [
    (FILES + "grep -c a /tmp/x /tmp/y", "/tmp/x:2\n/tmp/y:1\n"),
    (FILES + "grep -h a /tmp/x /tmp/y", "a\na\na\n"),
    (FILES + "grep -l a /tmp/x /tmp/y", "/tmp/x\n/tmp/y\n"),
    (FILES + "grep -n b /tmp/x", "2:b\n"),
    ("echo 'foo bar' | grep -o -w bar", "bar\n"),
    ("printf 'x1\\ny2\\n' | grep -q y && echo found", "found\n"),
    ("printf 'ab\\ncd\\n' | grep -vn ab", "2:cd\n"),
    ("printf 'a\\nB\\n' | grep -ix b", "B\n"),
    ("printf 'a.c\\nabc\\n' | grep -F a.c", "a.c\n"),
    ("echo abc | grep -E 'a(b|x)c'", "abc\n"),
    ("echo abc | grep 'a\\(b\\)c'", "abc\n"),
    ("echo abc | grep -e zz -e bc", "abc\n"),
]

PRINTF = [
    ("printf '%5s|%-5s|%.2s\\n' ab cd efg", "   ab|cd   |ef\n"),
    ("printf '%05d|%-4d|%+d|%.3d\\n' 42 7 5 9", "00042|7   |+5|009\n"),
    ("printf '%x %X %o %c\\n' 255 255 8 hello", "ff FF 10 h\n"),
    ("printf '%s,' a b c; echo", "a,b,c,\n"),
    ("printf '%d\\n' \"'A\"", "65\n"),
    ("printf '%b' 'x\\ty\\n'", "x\ty\n"),
    ("printf '%8.3d|\\n' 5", "     005|\n"),
    ("printf '%-6.3d|\\n' 5", "005   |\n"),
    ("printf '%05s|\\n' ab", "   ab|\n"),
    ("printf '100%%\\n'", "100%\n"),
]


@pytest.mark.parametrize(("script", "stdout"), GREP + PRINTF)
async def test_grep_and_printf(world: Any, script: str, stdout: str) -> None:
    result = await world.sh(script)
    assert (result.stdout, result.stderr, result.status) == (stdout, "", 0)


async def test_printf_counts_a_bad_number_as_zero_and_fails(world: Any) -> None:
    result = await world.sh("printf '%d\\n' abc")
    assert (result.stdout, result.stderr, result.status) == (
        "0\n",
        "printf: invalid number 'abc'\n",
        1,
    )


async def test_grep_says_which_file_it_cannot_read(world: Any) -> None:
    result = await world.sh("grep a /nope; echo $?")
    assert result.stdout == "2\n"
    assert result.stderr == "grep: /nope: No such file or directory\n"
