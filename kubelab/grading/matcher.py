"""Partial-object matching, as chainsaw and kuttl do it.

- A map matches when every key it names matches in the actual map (a subset match).
- An array matches only an array of the same length, element by element, in order.
- A key in parentheses, `(expr)`, is a JMESPath expression evaluated on the enclosing actual object;
  its result must match the value (e.g. `(ports[?port == \\`80\\`] | length(@)): 1`).
- `key: null` matches a missing key or an explicit null.
- Scalars compare by value; numbers compare numerically, a boolean only equals a boolean.

`match` returns the mismatches (empty when it matches); `diff` renders expected vs the actual
object projected onto the expected shape, as a unified YAML diff.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import jmespath
import jmespath.exceptions
import yaml


class ExpressionError(ValueError):
    """A `(expr)` key is not valid JMESPath: a problem of the lesson, not of the learner."""


@dataclass(frozen=True)
class Mismatch:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '.'}: {self.message}"


_MISSING = object()
FLAT_MAP_SHOWN = 20
"""A flat map with a missing expected key is shown whole up to this many keys."""


def is_expression(key: object) -> bool:
    return isinstance(key, str) and len(key) > 2 and key.startswith("(") and key.endswith(")")


def evaluate_expression(expression: str, data: Any) -> Any:
    try:
        return jmespath.search(expression, data)
    except jmespath.exceptions.JMESPathError as exc:
        raise ExpressionError(f"invalid JMESPath expression {expression!r}: {exc}") from exc


def scalars_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return float(expected) == float(actual)
    return bool(expected == actual)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _short(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    text = text.removesuffix("...").strip()
    return text if len(text) <= 80 else text[:77] + "..."


def match(expected: Any, actual: Any, path: str = "") -> list[Mismatch]:
    """Every way `actual` fails to match the partial `expected` (empty list: it matches)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(path, f"expected a map, found {_short(actual)}")]
        problems: list[Mismatch] = []
        for key, want in expected.items():
            key_path = _join(path, str(key))
            if is_expression(key):
                got = evaluate_expression(str(key)[1:-1], actual)
                problems.extend(match(want, got, key_path))
            elif key not in actual:
                if want is not None:
                    problems.append(Mismatch(key_path, "field not found"))
            else:
                problems.extend(match(want, actual[key], key_path))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(path, f"expected an array, found {_short(actual)}")]
        if len(expected) != len(actual):
            return [
                Mismatch(
                    path,
                    f"expected {len(expected)} item(s), found {len(actual)}"
                    " (arrays match exactly and in order; use a (JMESPath) key for a looser test)",
                )
            ]
        problems = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems.extend(match(want, got, f"{path}[{index}]"))
        return problems
    if expected is None:
        if actual is None:
            return []
        return [Mismatch(path, f"expected null, found {_short(actual)}")]
    if not scalars_equal(expected, actual):
        return [Mismatch(path, f"expected {_short(expected)}, found {_short(actual)}")]
    return []


def project(expected: Any, actual: Any) -> Any:
    """`actual` cut down to the shape of `expected`, so a diff shows only what was asked about.

    A flat map (labels, a selector) that lacks an expected key is shown whole: a selector
    `{app: web}` checked for `run: web` reads `app: web`, not an empty `{}`."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        plain = [key for key in expected if not is_expression(key)]
        flat = all(not isinstance(value, dict | list) for value in actual.values())
        if flat and 0 < len(actual) <= FLAT_MAP_SHOWN and any(k not in actual for k in plain):
            return dict(actual)
        out: dict[str, Any] = {}
        for key, want in expected.items():
            if is_expression(key):
                try:
                    got = evaluate_expression(str(key)[1:-1], actual)
                except ExpressionError:
                    continue
                out[key] = project(want, got)
            elif key in actual:
                out[key] = project(want, actual[key])
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        projected = [project(w, g) for w, g in zip(expected, actual, strict=False)]
        return projected + list(actual[len(expected) :])
    return actual


def to_yaml(value: Any) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False, width=100)


def diff(expected: Any, actual: Any) -> str:
    """A unified diff of the expected partial object and the actual one projected onto it."""
    want = to_yaml(expected).splitlines()
    got = to_yaml(project(expected, actual)).splitlines()
    return "\n".join(
        difflib.unified_diff(want, got, fromfile="expected", tofile="actual", lineterm="", n=3)
    )
