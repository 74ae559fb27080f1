"""Work that must not block the screen: a thread worker whose outcome comes back on the app's
thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from textual.dom import DOMNode

T = TypeVar("T")


def run_in_thread(
    node: DOMNode,
    name: str,
    group: str,
    work: Callable[[], T],
    done: Callable[[T], object],
    failed: Callable[[], object],
    *,
    exclusive: bool = False,
) -> None:
    """Run `work` in a thread worker of `node`; `done(result)` then runs on the app's thread.
    When `work` raises, `failed()` runs there and the exception still ends the worker in ERROR:
    the node forwards that state to the app's one handler for worker failures (an error modal),
    so `failed` only undoes what the screen shows as under way."""

    def in_thread() -> None:
        try:
            result = work()
        except BaseException:
            node.app.call_from_thread(failed)
            raise
        node.app.call_from_thread(done, result)

    node.run_worker(
        in_thread, name=name, group=group, exclusive=exclusive, thread=True, exit_on_error=False
    )
