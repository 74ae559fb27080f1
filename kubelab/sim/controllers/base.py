"""What every controller shares: a work queue fed by the store's subscription, timers, and
small helpers to read and write objects of a type by its storage key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING

from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj, now_rfc3339
from kubelab.sim.supervisor import ControllerSpec, check_name

if TYPE_CHECKING:
    from kubelab.sim.registry import ResourceType
    from kubelab.sim.store import Store, WatchEvent

log = logging.getLogger("kubelab.sim.controllers")

PODS = "/pods"
SERVICES = "/services"
ENDPOINTS = "/endpoints"
SLICES = "discovery.k8s.io/endpointslices"
NODES = "/nodes"
DEPLOYMENTS = "apps/deployments"
REPLICASETS = "apps/replicasets"
DAEMONSETS = "apps/daemonsets"
STATEFULSETS = "apps/statefulsets"
RCS = "/replicationcontrollers"
NAMESPACES = "/namespaces"


def now() -> str:
    return now_rfc3339()


def rt(store: Store, key: str) -> ResourceType:
    return store.registry.by_key(key)


def meta(obj: Obj) -> Obj:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def ns_name(obj: Obj) -> tuple[str, str]:
    m = meta(obj)
    return str(m.get("namespace") or ""), str(m.get("name") or "")


def controller_ref(obj: Obj) -> Obj | None:
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_ref(owner: Obj, *, block: bool = True) -> Obj:
    m = meta(owner)
    return {
        "apiVersion": owner.get("apiVersion"),
        "kind": owner.get("kind"),
        "name": m.get("name"),
        "uid": m.get("uid"),
        "controller": True,
        "blockOwnerDeletion": block,
    }


def set_condition(conditions: list[Obj], cond: Obj, *, probe_time: bool = False) -> None:
    """Insert or update a condition; keep lastTransitionTime when the status does not change."""
    stamp = now()
    for existing in conditions:
        if existing.get("type") == cond["type"]:
            if existing.get("status") != cond.get("status"):
                existing["lastTransitionTime"] = stamp
            existing.update({k: v for k, v in cond.items() if k != "lastTransitionTime"})
            if probe_time:
                existing["lastProbeTime"] = existing.get("lastProbeTime")
            return
    new = dict(cond)
    new.setdefault("lastTransitionTime", stamp)
    if probe_time:
        new.setdefault("lastProbeTime", None)
    conditions.append(new)


def is_pod_ready(pod: Obj) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def is_terminating(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


class Controller:
    """A level-triggered controller: events enqueue item keys; `reconcile` runs per key in
    batches inside one store transaction. Subclasses set `keys` and implement `items_for`,
    `all_items` and `reconcile`."""

    name = "controller"
    keys: frozenset[str] = frozenset()

    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: dict[Hashable, None] = {}
        self._wake = asyncio.Event()
        self._timers: dict[Hashable, asyncio.TimerHandle] = {}

    # -- wiring ------------------------------------------------------------------------------

    def items_for(self, event: WatchEvent) -> Iterable[Hashable]:
        raise NotImplementedError

    def all_items(self) -> Iterable[Hashable]:
        raise NotImplementedError

    def reconcile(self, item: Hashable) -> None:
        raise NotImplementedError

    def begin_batch(self) -> None:
        """Called before each batch of reconciles (drop per-batch caches here)."""

    def stop(self) -> None:
        """Called when the controller ends (release what it holds)."""

    def enqueue(self, item: Hashable) -> None:
        self._queue[item] = None
        self._wake.set()

    def after(self, delay: float, item: Hashable) -> None:
        """Reconcile `item` again after `delay` seconds (one pending timer per item)."""
        loop = asyncio.get_running_loop()
        pending = self._timers.pop(item, None)
        if pending is not None:
            pending.cancel()

        def fire() -> None:
            self._timers.pop(item, None)
            self.enqueue(item)

        self._timers[item] = loop.call_later(max(delay, 0.0), fire)

    def _on_event(self, event: WatchEvent) -> None:
        try:
            for item in self.items_for(event):
                self.enqueue(item)
        except Exception:
            log.exception("%s: mapping an event failed", self.name)

    async def run(self) -> None:
        unsubscribe: Callable[[], None] = self.store.subscribe(self._on_event, set(self.keys))
        try:
            for item in self.all_items():
                self.enqueue(item)
            while True:
                await self._wake.wait()
                self._wake.clear()
                await asyncio.sleep(0)  # let a burst of writes coalesce
                batch = list(self._queue)
                self._queue.clear()
                self.begin_batch()
                with self.store.transaction():
                    for item in batch:
                        self._reconcile_one(item)
        finally:
            unsubscribe()
            for timer in self._timers.values():
                timer.cancel()
            self.stop()

    def _reconcile_one(self, item: Hashable) -> None:
        try:
            self.reconcile(item)
        except ApiError as e:
            if e.code in (404, 409):
                # The object changed or went away meanwhile: look again.
                log.debug("%s: %s: %s (retrying)", self.name, item, e.message)
                self.after(0.05, item)
            else:
                log.error("%s: %s: %s", self.name, item, e.message)
        except Exception:
            log.exception("%s: reconciling %s failed", self.name, item)


class Index:
    """The objects of one type grouped by `groups(obj)`, kept current from the store's events
    (no full scan per reconcile). Objects held are the events' own copies: read-only."""

    def __init__(self, store: Store, key: str, groups: Callable[[Obj], Iterable[Hashable]]) -> None:
        self._groups_of = groups
        self._members: dict[Hashable, dict[tuple[str, str], Obj]] = {}
        self._keys: dict[tuple[str, str], list[Hashable]] = {}
        for obj in store.list(store.registry.by_key(key), copy_items=False).items:
            self._add(obj)
        self._unsubscribe = store.subscribe(self._on_event, {key})

    def _add(self, obj: Obj) -> None:
        ident = ns_name(obj)
        groups = list(self._groups_of(obj))
        self._keys[ident] = groups
        for group in groups:
            self._members.setdefault(group, {})[ident] = obj

    def _remove(self, ident: tuple[str, str]) -> None:
        for group in self._keys.pop(ident, []):
            members = self._members.get(group)
            if members is not None:
                members.pop(ident, None)
                if not members:
                    del self._members[group]

    def _on_event(self, event: WatchEvent) -> None:
        self._remove(ns_name(event.obj))
        if event.type != "DELETED":
            self._add(event.obj)

    def get(self, group: Hashable) -> list[Obj]:
        return list((self._members.get(group) or {}).values())

    def close(self) -> None:
        self._unsubscribe()


def controller_spec(cls: type[Controller]) -> ControllerSpec:
    """The supervised entry point of a Controller class (`controller-endpoints` for
    `EndpointsController`): a fresh instance per run, so a restart starts from a full resync."""

    async def run(store: Store) -> None:
        await cls(store).run()

    return ControllerSpec(check_name(cls.__name__), run)
