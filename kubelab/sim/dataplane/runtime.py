"""Per-simulator data-plane state that is not API state: container file systems (so a file
written in one `kubectl exec` is there in the next), container log lines (nginx access logs,
agnhost's request log), load-balancing counters and running main processes."""

from __future__ import annotations

import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from kubelab.sim.dataplane.vfs import FileSystem

LOG_LINES = 5000


@dataclass
class DataplaneRuntime:
    filesystems: dict[tuple[str, str], FileSystem] = field(default_factory=dict)
    logs: dict[tuple[str, str], deque[tuple[float, str]]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    main_processes: dict[tuple[str, str], Any] = field(default_factory=dict)
    log_totals: dict[tuple[str, str], int] = field(default_factory=dict)  # lines ever logged

    def log(self, uid: str, container: str, line: str) -> None:
        """Append a line (without newline) to a container's log."""
        buf = self.logs.setdefault((uid, container), deque(maxlen=LOG_LINES))
        buf.append((time.time(), line))
        self.log_totals[(uid, container)] = self.log_totals.get((uid, container), 0) + 1

    def log_lines(self, uid: str, container: str) -> list[tuple[float, str]]:
        return list(self.logs.get((uid, container), ()))

    def log_total(self, uid: str, container: str) -> int:
        """How many lines the container has logged so far (the kept ones are the last
        `LOG_LINES`): a follower's position that stays right once old lines are dropped."""
        return self.log_totals.get((uid, container), 0)

    def lines_after(self, uid: str, container: str, position: int) -> list[tuple[float, str]]:
        """The lines logged after the first `position` ones (those still kept)."""
        new = self.log_total(uid, container) - position
        if new <= 0:
            return []
        kept = self.logs.get((uid, container), deque())
        return list(kept)[-new:] if new < len(kept) else list(kept)

    def next_index(self, key: str, size: int) -> int:
        """Round-robin position for `key` over `size` choices."""
        n = self.counters.get(key, 0)
        self.counters[key] = n + 1
        return n % size

    def forget_pod(self, uid: str) -> None:
        for table in (self.filesystems, self.logs, self.main_processes, self.log_totals):
            for key in [k for k in table if k[0] == uid]:
                del table[key]


_RUNTIMES: weakref.WeakKeyDictionary[object, DataplaneRuntime] = weakref.WeakKeyDictionary()
_DEFAULT = DataplaneRuntime()


def runtime_for(owner: object | None) -> DataplaneRuntime:
    """The runtime state belonging to a store (one per simulator)."""
    if owner is None:
        return _DEFAULT
    try:
        rt = _RUNTIMES.get(owner)
        if rt is None:
            rt = _RUNTIMES[owner] = DataplaneRuntime()
        return rt
    except TypeError:
        return _DEFAULT
