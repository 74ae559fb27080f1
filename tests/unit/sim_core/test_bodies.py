"""YAML request bodies: aliases are fine, alias bombs are refused without being expanded."""

from __future__ import annotations

import time

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.server.bodies import parse_yaml


def bomb(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return ("data:\n" + "\n".join("  " + line for line in lines) + "\n").encode()


def test_ordinary_aliases_are_expanded() -> None:
    assert parse_yaml(b"a: &x [1, 2]\nb: *x\nc: {d: *x}") == {
        "a": [1, 2],
        "b": [1, 2],
        "c": {"d": [1, 2]},
    }
    assert parse_yaml(bomb(3))["data"]["a2"][0][0] == ["lol"] * 10  # 1,000 values: fine


@pytest.mark.parametrize("levels", [4, 9, 30])
def test_alias_bombs_are_refused_at_once(levels: int) -> None:
    started = time.monotonic()
    with pytest.raises(ApiError) as refused:
        parse_yaml(bomb(levels))
    assert time.monotonic() - started < 1.0  # never expanded (9 levels would be 10^9 values)
    assert refused.value.code == 400
    assert refused.value.message == "yaml: document contains excessive aliasing"


def test_a_node_that_contains_itself_is_refused() -> None:
    with pytest.raises(ApiError) as refused:
        parse_yaml(b"a: &x [1, *x]")
    assert refused.value.code == 400
