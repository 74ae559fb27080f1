"""Watches and subscriptions: every committed change of the store is a `WatchEvent`, delivered
to open watches (asyncio queues, as the HTTP watch uses) and to subscribers (synchronous
callbacks, as controllers use), and kept in a bounded history a watch can resume from."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kubelab.sim import errors
from kubelab.sim.objects import Obj, clone
from kubelab.sim.selectors import FieldSelector, LabelSelector

log = logging.getLogger("kubelab.sim.store")

HISTORY = 5000  # watch events kept for replay (a watch from an older RV gets 410 Gone)
Subscriber = tuple[set[str] | None, Callable[["WatchEvent"], None]]


@dataclass(frozen=True)
class WatchEvent:
    type: str  # ADDED | MODIFIED | DELETED
    key: str  # storage key of the object's type
    obj: Obj  # the object after the change (for DELETED: as it was, with the delete's RV)
    old: Obj | None
    rv: int

    @property
    def namespace(self) -> str:
        return str(self.obj.get("metadata", {}).get("namespace", ""))


@dataclass(eq=False)
class Watcher:
    """One watch: events land in `queue`; `None` in the queue means the watch was closed."""

    hub: Watches
    key: str
    namespace: str | None
    labels: LabelSelector
    fields: FieldSelector
    queue: asyncio.Queue[WatchEvent | None] = field(default_factory=asyncio.Queue)
    view: Callable[[Obj], Obj] | None = None

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        if self.namespace and obj.get("metadata", {}).get("namespace") != self.namespace:
            return False
        if not self.labels.empty and not self.labels.matches(obj["metadata"].get("labels")):
            return False
        if not self.fields.empty:
            shown = self.view(obj) if self.view else obj
            if not self.fields.matches(shown):
                return False
        return True

    def offer(self, ev: WatchEvent) -> None:
        """Queue `ev` as this watch sees it: an object entering the selection is ADDED to it,
        one leaving it is DELETED."""
        if ev.key != self.key:
            return
        if ev.type == "DELETED":
            if self.matches(ev.obj):
                self.queue.put_nowait(ev)
            return
        now = self.matches(ev.obj)
        before = self.matches(ev.old) if ev.old is not None else False
        if now and before:
            self.queue.put_nowait(ev)
        elif now:
            self.queue.put_nowait(WatchEvent("ADDED", ev.key, ev.obj, ev.old, ev.rv))
        elif before:
            self.queue.put_nowait(WatchEvent("DELETED", ev.key, ev.obj, ev.old, ev.rv))

    def close(self) -> None:
        self.hub.watchers.discard(self)
        self.queue.put_nowait(None)


class Watches:
    """The open watches, the subscribers and the recent history of events."""

    def __init__(self, resource_version: int) -> None:
        self.watchers: set[Watcher] = set()
        self._subscribers: list[Subscriber] = []
        self._history: deque[WatchEvent] = deque(maxlen=HISTORY)
        self._oldest_rv = resource_version  # events after this RV are in the history
        self._held: list[WatchEvent] | None = None

    def emit(self, ev: WatchEvent) -> None:
        """Record a committed change and deliver it (held until `release()` while held)."""
        self._history.append(ev)
        if len(self._history) == self._history.maxlen:
            self._oldest_rv = self._history[0].rv - 1
        if self._held is not None:
            self._held.append(ev)
        else:
            self._deliver(ev)

    def hold(self) -> None:
        """Keep events until `release()` (a transaction delivers its events after its commit)."""
        if self._held is None:
            self._held = []

    def release(self) -> None:
        events, self._held = self._held or [], None
        for ev in events:
            self._deliver(ev)

    def discard(self) -> None:
        """Drop the held events: their transaction was undone (its commit failed), so they
        leave the history too and nobody ever sees them."""
        events, self._held = self._held or [], None
        dropped = {id(ev) for ev in events}
        kept = [ev for ev in self._history if id(ev) not in dropped]
        self._history.clear()
        self._history.extend(kept)

    def _deliver(self, ev: WatchEvent) -> None:
        for w in list(self.watchers):
            w.offer(ev)
        for keys, callback in list(self._subscribers):
            if keys is None or ev.key in keys:
                try:
                    callback(ev)
                except Exception:  # a subscriber's bug must not fail the write that woke it
                    log.exception("store subscriber %r failed on %s %s", callback, ev.type, ev.key)

    def subscribe(
        self, callback: Callable[[WatchEvent], None], keys: set[str] | None = None
    ) -> Callable[[], None]:
        entry = (keys, callback)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)

        return unsubscribe

    def start(
        self,
        watcher: Watcher,
        *,
        since: int | None,
        initial: Iterable[Obj] | None,
    ) -> Watcher:
        """Open `watcher`: ADDED for each of `initial` that matches, or every change after
        resourceVersion `since` (410 Gone if the history no longer has it)."""
        if since is not None and initial is None:
            if since < self._oldest_rv:
                raise errors.gone(f"too old resource version: {since} ({self._oldest_rv})")
            for ev in self._history:
                if ev.rv > since:
                    watcher.offer(ev)
        for obj in initial or ():
            if watcher.matches(obj):
                rv = int(obj["metadata"].get("resourceVersion", "0"))
                watcher.queue.put_nowait(WatchEvent("ADDED", watcher.key, clone(obj), None, rv))
        self.watchers.add(watcher)
        return watcher

    def stop_all(self) -> None:
        """End every open watch (their handlers finish their responses)."""
        for w in list(self.watchers):
            w.close()
