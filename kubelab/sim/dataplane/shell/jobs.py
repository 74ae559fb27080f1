"""Background jobs (`cmd &`): each session keeps its own list, and ends them when it ends
(a terminal's hang-up, or the container's main process exiting), so nothing outlives it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

JOBS: ContextVar[list[asyncio.Task[int]] | None] = ContextVar("kubelab_shell_jobs", default=None)


@contextmanager
def session_jobs() -> Iterator[list[asyncio.Task[int]]]:
    """A fresh job list for tasks created inside the block (they copy the context)."""
    jobs: list[asyncio.Task[int]] = []
    token = JOBS.set(jobs)
    try:
        yield jobs
    finally:
        JOBS.reset(token)


def end_jobs(jobs: list[asyncio.Task[int]]) -> None:
    for task in jobs:
        if not task.done():
            task.cancel()
    jobs.clear()
