"""A guard for the recursive walks: absurdly nested input is the client's error, not a crash."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from kubelab.sim.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")


def nesting_guard(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn a RecursionError from walking a too deeply nested object into 400 BadRequest."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except RecursionError:
            raise ApiError(
                400, "BadRequest", "the request body is nested too deeply to be processed"
            ) from None

    return wrapper
