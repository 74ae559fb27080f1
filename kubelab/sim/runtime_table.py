"""The runtime table: state of the simulated machines that is not an API object (the environment
a container started with, main processes' logs...), kept with the objects in the state file."""

from __future__ import annotations

import json
from typing import Any

from kubelab.sim.objects import clone
from kubelab.sim.persistence import Persistence


class RuntimeTable:
    def __init__(self, persistence: Persistence, loaded: dict[str, Any] | None = None) -> None:
        self._persistence = persistence
        self._values: dict[str, Any] = dict(loaded or {})

    def get(self, key: str, default: Any = None) -> Any:
        return clone(self._values.get(key, default))

    def set(self, key: str, value: Any) -> None:
        self._values[key] = clone(value)
        self._persistence.write(
            "INSERT OR REPLACE INTO runtime (k, v) VALUES (?, ?)", (key, json.dumps(value))
        )

    def delete(self, key: str) -> None:
        if self._values.pop(key, None) is not None:
            self._persistence.write("DELETE FROM runtime WHERE k=?", (key,))

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._values if k.startswith(prefix))

    def snapshot(self) -> dict[str, Any]:
        """Every entry (a copy)."""
        return clone(self._values)
