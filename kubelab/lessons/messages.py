"""Validation errors of the lesson model in kubelab's own words, with did-you-mean for keys.

The model is checked by pydantic; its wording (`Input should be a valid integer, unable to parse
string as an integer`) is for Python programmers, not for instructors writing YAML.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from kubelab.lessons.checks import SPECS

_PATTERNS = {
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$": (
        "use lowercase letters, digits and '-' (starting and ending with a letter or digit)"
    ),
    r"^[a-z_][a-z0-9_]*$": "use lowercase letters, digits and '_' (not starting with a digit)",
}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected_words(kind: str) -> str | None:
    return {
        "int_parsing": "a whole number",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "float_parsing": "a number",
        "float_type": "a number",
        "bool_parsing": "true or false",
        "bool_type": "true or false",
        "string_type": "text",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
    }.get(kind)


# pydantic's bound errors: (how the bound reads, the key of its `ctx` that holds it)
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def own_words(error: ErrorDetails) -> str:
    """What is wrong with the value, without the field's place (the caller adds it)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    found = error.get("input")
    expected = _expected_words(kind)
    if expected is not None:
        return f"expected {expected}, found {_shown(found)}"
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        if isinstance(found, str):
            return "must not be empty"
        return f"give at least {least} item{'s' if least != 1 else ''}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_long" or kind == "string_too_long":
        return f"give at most {ctx.get('max_length')} item(s)"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        advice = _PATTERNS.get(pattern, f"it must match {pattern}")
        return f"{_shown(found)} is not allowed here: {advice}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, found {_shown(found)}"
    if kind in _BOUNDS:
        words, limit = _BOUNDS[kind]
        return f"must be {words} {ctx.get(limit)}, found {_shown(found)}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return f"invalid value {_shown(found)}"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may stand for (Annotated, unions, Optional unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [t for arg in get_args(annotation) for t in _unwrap(arg) if t is not type(None)]
    return [annotation]


def _step(annotation: Any, item: int | str) -> Any | None:
    for candidate in _unwrap(annotation):
        origin = get_origin(candidate)
        if isinstance(item, int) and origin is list:
            return get_args(candidate)[0]
        if isinstance(item, str) and origin is dict:
            return get_args(candidate)[1]
        if (
            isinstance(item, str)
            and isinstance(candidate, type)
            and issubclass(candidate, BaseModel)
        ):
            for name, info in candidate.model_fields.items():
                if item in (name, info.alias):
                    return info.annotation
            if item in SPECS:  # the tag pydantic puts in the place of a check kind
                return SPECS[item]
    return None


def keys_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys a mapping at `loc` (a pydantic error location) may have; empty when unknown."""
    current: Any = model
    for item in loc:
        if isinstance(item, str) and item in SPECS and _is_check_union(current):
            current = SPECS[item]
            continue
        current = _step(current, item)
        if current is None:
            return []
    for candidate in _unwrap(current):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return [info.alias or name for name, info in candidate.model_fields.items()]
    return []


def _is_check_union(annotation: Any) -> bool:
    return any(candidate in SPECS.values() for candidate in _unwrap(annotation))


def did_you_mean(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (allowed: {', '.join(allowed)})" if allowed else ""
