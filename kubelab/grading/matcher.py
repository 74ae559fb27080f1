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

from kubelab.grading.wording import count_text, expression_mismatch, readable_key, value_text


class ExpressionError(ValueError):
    """A `(expr)` key is not valid JMESPath: a problem of the lesson, not of the learner."""


@dataclass(frozen=True)
class Mismatch:
    path: str
    """Where, as the lesson writes it (`spec.(ports[0]).port`): for authors and tests."""
    message: str
    """What is wrong, in the learner's words: the field, what it should be, what it is."""

    def __str__(self) -> str:
        return self.message


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


def match(expected: Any, actual: Any, path: str = "", shown: str = "") -> list[Mismatch]:
    """Every way `actual` fails to match the partial `expected` (empty list: it matches).
    `shown` is `path` in the learner's words (expression keys said in words)."""
    here = shown or path or "the object"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Mismatch(path, f"{here} should be a map; it is {value_text(actual)}")]
        problems: list[Mismatch] = []
        for key, want in expected.items():
            key_path = _join(path, str(key))
            if is_expression(key):
                expression = str(key)[1:-1]
                got = evaluate_expression(expression, actual)
                key_shown = readable_key(expression, shown)
                found = match(want, got, key_path, key_shown)
                if found and not isinstance(want, dict | list):
                    found = [
                        Mismatch(
                            key_path, expression_mismatch(expression, want, got, actual, shown)
                        )
                    ]
                problems.extend(found)
            elif key not in actual:
                if want is not None:
                    message = (
                        f"{_join(shown, str(key))} is missing; it should be {value_text(want)}"
                    )
                    problems.append(Mismatch(key_path, message))
            else:
                problems.extend(match(want, actual[key], key_path, _join(shown, str(key))))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [Mismatch(path, f"{here} should be a list; it is {value_text(actual)}")]
        if len(expected) != len(actual):
            message = (
                f"{here} should have {count_text(len(expected), 'entry')}; it has {len(actual)}"
            )
            return [Mismatch(path, message)]
        problems = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problems.extend(match(want, got, f"{path}[{index}]", f"{here}[{index}]"))
        return problems
    if expected is None:
        if actual is None:
            return []
        return [Mismatch(path, f"{here} should not be set; it is {value_text(actual)}")]
    if not scalars_equal(expected, actual):
        message = f"{here} should be {value_text(expected)}; it is {value_text(actual)}"
        return [Mismatch(path, message)]
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


def _readable(value: Any) -> Any:
    """`value` with its `(expr)` keys said in words (the diff is read by the learner)."""
    if isinstance(value, dict):
        return {
            (readable_key(str(k)[1:-1]) if is_expression(k) else k): _readable(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_readable(item) for item in value]
    return value


def diff(expected: Any, actual: Any) -> str:
    """A unified diff of the expected partial object and the actual one projected onto it."""
    want = to_yaml(_readable(expected)).splitlines()
    got = to_yaml(_readable(project(expected, actual))).splitlines()
    return "\n".join(
        difflib.unified_diff(want, got, fromfile="expected", tofile="actual", lineterm="", n=3)
    )
