"""The runtime table: state of the simulated machines that is not an API object (the environment
a container started with, main processes' logs...), kept with the objects in the state file."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from kubelab.sim.objects import clone
from kubelab.sim.persistence import Persistence

_MISSING = object()
# The uids of the Nodes the simulator's own kubelet runs (the bootstrapped nodes).
KUBELET_NODES = "kubelet/nodes"
# `host-ports/<namespace>/<service>`: where the host serves a Service's NodePorts and load
# balancer ports (simulator bookkeeping kept out of the Service; served at HOST_PORTS_PATH).
HOST_PORTS = "host-ports/"


class RuntimeTable:
    """Written in the store's transactions (`transaction`), each change recorded with
    `remember` so a failed commit undoes it."""

    def __init__(
        self,
        persistence: Persistence,
        loaded: dict[str, Any] | None,
        transaction: Callable[[], AbstractContextManager[None]],
        remember: Callable[[Callable[[], None]], None],
    ) -> None:
        self._persistence = persistence
        self._values: dict[str, Any] = dict(loaded or {})
        self._transaction = transaction
        self._remember = remember

    def _change(self, key: str, value: Any) -> None:
        previous = self._values.pop(key, _MISSING)
        if value is not _MISSING:
            self._values[key] = value

        def restore() -> None:
            self._values.pop(key, None)
            if previous is not _MISSING:
                self._values[key] = previous

        self._remember(restore)

    def get(self, key: str, default: Any = None) -> Any:
        return clone(self._values.get(key, default))

    def set(self, key: str, value: Any) -> None:
        with self._transaction():
            self._change(key, clone(value))
            self._persistence.write(
                "INSERT OR REPLACE INTO runtime (k, v) VALUES (?, ?)", (key, json.dumps(value))
            )

    def delete(self, key: str) -> None:
        if self._values.get(key) is None:
            return
        with self._transaction():
            self._change(key, _MISSING)
            self._persistence.write("DELETE FROM runtime WHERE k=?", (key,))

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._values if k.startswith(prefix))

    def snapshot(self) -> dict[str, Any]:
        """Every entry (a copy)."""
        return clone(self._values)
