"""Waking the engine early: watches on the objects a step's checks read.

A failing check is re-evaluated on a timer (the engine's polling, always the fallback). While a
step waits, a `StepWatcher` watches the kinds its checks read in the lab namespace; every event
bumps a `ChangeSignal`, which ends the wait at once, so a fix the learner applies is seen within
milliseconds instead of at the next poll. A watch that fails is recorded in `errors` and stops:
polling carries on alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, runtime_checkable

from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import ClusterError
from kubelab.cluster.watch_events import follow_watch
from kubelab.grading.checks import REGISTRY
from kubelab.lessons.api_versions import DEFAULT_API_VERSIONS
from kubelab.lessons.checks.base import CheckBase
from kubelab.objects import Obj

Kind = tuple[str, str]
"""(apiVersion, kind)"""

# What checks that look at traffic, DNS or pods read besides the objects they name (their
# CheckKind says `reads_service_path`).
_SERVICE_PATH: frozenset[Kind] = frozenset(
    {("v1", "Service"), ("discovery.k8s.io/v1", "EndpointSlice"), ("v1", "Pod")}
)
WATCH_SECONDS = 5
"""A watch is re-issued this often, so a stopped watcher's thread ends soon after."""


@runtime_checkable
class WatchingApi(Protocol):
    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int = 60,
    ) -> Iterator[Obj]: ...


class ChangeSignal:
    """A counter of changes seen; waiters wake when it moves past the value they saw."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._generation = 0

    @property
    def generation(self) -> int:
        with self._cond:
            return self._generation

    def bump(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> bool:
        """Until a change after `seen` (True) or `timeout` seconds (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: self._generation != seen, timeout)


def _refs(data: Any) -> Iterator[Kind]:
    """(apiVersion, kind) of every object reference (`kind` with `name` or `selector`) inside
    a check's fields (its `object`, the `from` of live values)."""
    if isinstance(data, dict):
        kind = data.get("kind")
        if isinstance(kind, str) and ("name" in data or "selector" in data):
            api_version = data.get("apiVersion") or DEFAULT_API_VERSIONS.get(kind)
            if isinstance(api_version, str):
                yield (api_version, kind)
        for value in data.values():
            yield from _refs(value)
    elif isinstance(data, list):
        for value in data:
            yield from _refs(value)


def watched_kinds(specs: Iterable[CheckBase]) -> frozenset[Kind]:
    """The kinds whose changes may change these checks' outcome."""
    kinds: set[Kind] = set()
    for spec in specs:
        data = spec.model_dump(by_alias=True, exclude_none=True)
        kinds.update(_refs({key: value for key, value in data.items() if key != "kind"}))
        if REGISTRY[spec.kind].reads_service_path:
            kinds.update(_SERVICE_PATH)
    return frozenset(kinds)


class StepWatcher:
    """Watch threads (started on first need, one per kind) that bump `signal` on every event."""

    def __init__(
        self, client: WatchingApi, namespace: str, kinds: Iterable[Kind], signal: ChangeSignal
    ) -> None:
        self._client = client
        self._namespace = namespace
        self._kinds = sorted(set(kinds))
        self.signal = signal
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._started = False
        self.errors: list[str] = []

    def ensure_started(self) -> None:
        with self._lock:
            if self._started or self._stop.is_set():
                return
            self._started = True
        for api_version, kind in self._kinds:
            threading.Thread(
                target=self._run, args=(api_version, kind), name=f"grade-watch-{kind}", daemon=True
            ).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, api_version: str, kind: str) -> None:
        resource_version: str | None = None
        while not self._stop.is_set():
            try:
                events = self._client.watch(
                    api_version,
                    kind,
                    self._namespace,
                    resource_version=resource_version,
                    timeout_seconds=WATCH_SECONDS,
                )
                resource_version = follow_watch(
                    events, resource_version, self._stop, lambda _: self.signal.bump()
                )
            except ApiRejected as exc:
                if exc.status_code == 410:  # too old to resume: start over
                    resource_version = None
                    continue
                self.errors.append(f"watch on {kind}: {exc}")
                return
            except ClusterError as exc:
                self.errors.append(f"watch on {kind}: {exc.message}")
                return
