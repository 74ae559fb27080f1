"""The object store: objects by type, namespace and name, with resourceVersions.

Everything runs on the event loop's thread; every method is synchronous and atomic. A write is
committed to SQLite (`persistence.py`) before the method returns, so an answer sent after it
never announces a write a crash could lose. Each write is a transaction (or part of the one
open): its changes to memory are recorded, its events held, and at its end it commits; if the
commit fails (a full disk), the memory changes are undone and the events dropped, so nothing
anyone can see changed, and the caller gets a 500 with SQLite's reason.

Objects are plain dicts keyed by the storage key of their type (`group/plural`, e.g. `/pods`,
`apps/deployments`), namespace ("" for cluster-scoped) and name. Reads return deep copies.
Its parts: `object_table.py` (the objects in memory, each type's keys in order, list pages),
`watches.py` (watches and subscriptions), `deletion.py` (a delete's policy, the deletion mark,
deletecollection), `lifecycle.py` (garbage collection, graceful deletions, namespace deletion),
`runtime_table.py` (state that is not an API object), `metadata.py` (metadata rules every type
shares), `write_rules.py` (the steps of a write).

Controllers use `subscribe()` (a synchronous callback after every committed change) or
`watch()` (an asyncio queue of `WatchEvent`s, as the HTTP watch uses).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kubelab.sim import deletion, errors
from kubelab.sim.cluster_settings import ClusterSettings
from kubelab.sim.continue_tokens import Key
from kubelab.sim.errors import ApiError
from kubelab.sim.lifecycle import NAMESPACES, Lifecycle
from kubelab.sim.metadata import SYSTEM_FIELDS, same_ignoring_managed, validate_meta
from kubelab.sim.object_table import ListResult, Objects, ObjectTable
from kubelab.sim.objects import Obj, clone, now_rfc3339
from kubelab.sim.persistence import Persistence, WriteFailed
from kubelab.sim.registry import Registry, ResourceType
from kubelab.sim.runtime_table import RuntimeTable
from kubelab.sim.selectors import FieldSelector, LabelSelector
from kubelab.sim.watches import Watcher, Watches, WatchEvent
from kubelab.sim.write_rules import (
    check_update_version,
    deletion_due,
    keep_server_metadata,
    new_object_key,
    replacement,
    update_target,
)

__all__ = ["NAMESPACES", "ListResult", "ManagedHook", "Store", "WatchEvent", "Watcher"]

ManagedHook = Callable[[Obj, Obj | None], Obj]  # (new, old) -> new with managedFields recorded


class Store:
    def __init__(self, registry: Registry, path: Path | None = None) -> None:
        self.registry = registry
        self._table = ObjectTable()
        self._rv = 1
        self.persistence = Persistence(lambda: self._rv)
        loaded: dict[str, Any] = {}
        if path is not None:
            objects, saved_rv, loaded = self.persistence.open(path)
            self._table = ObjectTable(objects)
            self._rv = saved_rv or self._rv
        self._undo: list[Callable[[], None]] | None = None  # the open transaction's undo log
        self.runtime = RuntimeTable(self.persistence, loaded, self.transaction, self.remember)
        self.watches = Watches(self._rv)
        self.lifecycle = Lifecycle(self)
        self.settings = ClusterSettings()

    # ------------------------------------------------------------------ persistence

    @property
    def grace_cap(self) -> float:
        """Seconds a graceful deletion waits at most before completing."""
        return self.lifecycle.grace_cap

    @grace_cap.setter
    def grace_cap(self, value: float) -> None:
        self.lifecycle.grace_cap = value

    def stop_watches(self) -> None:
        """End every open watch (their handlers finish their responses)."""
        self.watches.stop_all()

    def close(self) -> None:
        self.stop_watches()
        self.persistence.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one commit; their events are delivered after it. What the
        body wrote is committed even when it raises (a deletecollection that fails half-way
        keeps what it did, as on a real server); a failed commit undoes every change of the
        transaction in memory and raises a 500 ApiError with the reason."""
        if self._undo is not None:
            yield  # part of the transaction already open
            return
        self._undo = []
        rv_before = self._rv
        self.watches.hold()
        try:
            yield
        finally:
            undo, self._undo = self._undo, None
            try:
                self.persistence.commit()
            except WriteFailed as exc:
                for restore in reversed(undo):
                    restore()
                self._rv = rv_before
                self.watches.discard()
                raise errors.internal(exc.reason) from exc
            self.watches.release()

    def remember(self, restore: Callable[[], None]) -> None:
        """Record how to undo a change to memory made in the open transaction."""
        if self._undo is None:
            raise RuntimeError("a store write outside a transaction")
        self._undo.append(restore)

    def _put(self, key: str, at: Key, obj: Obj | None) -> None:
        """Set (or, with None, remove) a stored object, recording how to undo it."""
        self.remember(self._table.put(key, at, obj))

    # ------------------------------------------------------------------ runtime key-value table

    def runtime_get(self, key: str, default: Any = None) -> Any:
        return self.runtime.get(key, default)

    def runtime_set(self, key: str, value: Any) -> None:
        self.runtime.set(key, value)

    def runtime_delete(self, key: str) -> None:
        self.runtime.delete(key)

    def runtime_keys(self, prefix: str = "") -> list[str]:
        return self.runtime.keys(prefix)

    # ------------------------------------------------------------------ versions and events

    @property
    def resource_version(self) -> int:
        return self._rv

    def _next_rv(self) -> int:
        self._rv += 1
        return self._rv

    def subscribe(
        self, callback: Callable[[WatchEvent], None], keys: set[str] | None = None
    ) -> Callable[[], None]:
        """Call `callback(event)` after every committed change (of types in `keys`, storage
        keys such as `/pods`); returns the function that unsubscribes. Callbacks must not
        block; they typically queue work for a controller task."""
        return self.watches.subscribe(callback, keys)

    def watch(
        self,
        key: str,
        *,
        namespace: str | None = None,
        since: int | None = None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
        initial: bool = False,
        view: Callable[[Obj], Obj] | None = None,
        resource: str = "",
    ) -> Watcher:
        """Start a watch of type `key`. `initial`: ADDED for every matching object first.
        `since`: replay every change after that resourceVersion (410 Gone if forgotten)."""
        watcher = Watcher(
            self.watches,
            key,
            namespace or None,
            labels or LabelSelector(),
            fields or FieldSelector(),
            view=view,
        )
        existing = self._iter(key, namespace) if initial else None
        return self.watches.start(watcher, since=since, initial=existing)

    # ------------------------------------------------------------------ reads

    def _bucket(self, key: str) -> dict[Key, Obj]:
        return self._table.bucket(key)

    def _read(self, key: str) -> dict[Key, Obj]:
        return self._table.read(key)

    def _iter(self, key: str, namespace: str | None) -> Objects:
        return self._table.in_order(key, namespace)

    def stored(self, key: str, namespace: str, name: str) -> Obj | None:
        """The live object of storage type `key` (not a copy: for the store's parts to read)."""
        return self._read(key).get((namespace, name))

    def objects(self, key: str) -> Objects:
        """The live objects of storage type `key` in order (not copies)."""
        return self._iter(key, None)

    def buckets(self) -> list[tuple[str, dict[Key, Obj]]]:
        """Every storage type's live objects (not copies)."""
        return list(self._table.objects.items())

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj:
        """The object, or a 404 ApiError."""
        obj = self._read(rt.storage_key).get((namespace or "", name))
        if obj is None:
            raise errors.not_found(rt.plural, name, rt.group)
        return clone(obj)

    def try_get(self, rt: ResourceType, namespace: str | None, name: str) -> Obj | None:
        obj = self._read(rt.storage_key).get((namespace or "", name))
        return clone(obj) if obj is not None else None

    def list(
        self,
        rt: ResourceType,
        namespace: str | None = None,
        *,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
        limit: int = 0,
        continue_token: str = "",
        view: Callable[[Obj], Obj] | None = None,
        copy_items: bool = True,
    ) -> ListResult:
        """Matching objects sorted by namespace/name; `limit`/`continue` page through them."""
        return self._table.page(
            rt.storage_key,
            namespace,
            self._rv,
            labels=labels,
            fields=fields,
            limit=limit,
            continue_token=continue_token,
            view=view,
            copy_items=copy_items,
        )

    def all_objects(self, key: str) -> Objects:
        return [clone(o) for o in self._iter(key, None)]

    # ------------------------------------------------------------------ writes

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        if not rt.namespaced:
            return
        ns = self._read(NAMESPACES).get(("", namespace))
        if ns is None:
            raise errors.not_found("namespaces", namespace)
        if ns.get("metadata", {}).get("deletionTimestamp"):
            raise ApiError(
                403,
                "Forbidden",
                f'{rt.qualified_resource} "{name}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated",
                {"name": name, "group": rt.group, "kind": rt.plural}
                if rt.group
                else {"name": name, "kind": rt.plural},
            )

    def _commit_change(
        self, rt: ResourceType, ns: str, name: str, new: Obj, old: Obj | None
    ) -> Obj:
        """Store `new` with the next resourceVersion, save it and announce it."""
        with self.transaction():
            rv = self._next_rv()
            new["metadata"]["resourceVersion"] = str(rv)
            self._put(rt.storage_key, (ns, name), new)
            self.persistence.save_object(rt.storage_key, ns, name, new)
            kind = "ADDED" if old is None else "MODIFIED"
            self.watches.emit(WatchEvent(kind, rt.storage_key, clone(new), old, rv))
        return clone(new)

    def create(
        self,
        rt: ResourceType,
        obj: Obj,
        *,
        namespace: str | None = None,
        dry_run: bool = False,
        hooks: bool = True,
        managed: ManagedHook | None = None,
    ) -> Obj:
        """Store a new object (defaults and validation hooks run first); returns it.
        `managed(new, None)` records the writer's managedFields after the defaults ran, so the
        creator owns the defaulted fields as on a real server."""
        rt = self.registry.storage_type(rt) if rt.storage else rt
        new = clone(obj)
        new["apiVersion"] = rt.api_version
        new["kind"] = rt.kind
        ns, name = new_object_key(rt, new, namespace)
        validate_meta(rt, new)
        if (ns, name) in self._read(rt.storage_key):
            raise errors.already_exists(rt.plural, name, rt.group)
        self._check_namespace(rt, ns, name)
        meta = new["metadata"]
        for k in ("resourceVersion", *SYSTEM_FIELDS):
            if k != "generation":
                meta.pop(k, None)
        if hooks and rt.defaults:
            rt.defaults(new, self)
        if managed is not None:
            new = managed(new, None)
            meta = new["metadata"]
        if hooks and rt.validate_create:
            rt.validate_create(new, self)
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        if rt.has_spec:
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        if dry_run:
            meta["resourceVersion"] = str(self._rv)
            return new
        return self._commit_change(rt, ns, name, new, None)

    def update(
        self,
        rt: ResourceType,
        obj: Obj,
        *,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        dry_run: bool = False,
        hooks: bool = True,
        check_rv: bool = True,
        managed: ManagedHook | None = None,
    ) -> Obj:
        """Replace an object (409 Conflict if `metadata.resourceVersion` is stale).
        `subresource="status"` changes only the status; a main-resource write of a type with a
        status subresource keeps the stored status."""
        rt = self.registry.storage_type(rt) if rt.storage else rt
        meta_in, ns, name = update_target(rt, obj, namespace, name)
        current = self._read(rt.storage_key).get((ns, name))
        if current is None:
            raise errors.not_found(rt.plural, name, rt.group)
        if check_rv:
            check_update_version(rt, name, meta_in.get("resourceVersion"), current)
        old = clone(current)
        if meta_in.get("name") and meta_in["name"] != name:
            raise errors.bad_request(
                f"the name of the object ({meta_in['name']}) does not match the name on the "
                f"URL ({name})"
            )
        new = self._replacement(rt, obj, current, old, (ns, name), subresource, hooks, managed)
        if same_ignoring_managed(new, old):
            return old
        if dry_run:
            return new
        meta = new["metadata"]
        if deletion_due(rt, meta):
            with self.transaction():
                removed = self.remove(rt, ns, name, new)
                self.lifecycle.collect_dependents(str(meta.get("uid", "")))
            return removed
        return self._commit_change(rt, ns, name, new, old)

    def _replacement(
        self,
        rt: ResourceType,
        obj: Obj,
        current: Obj,
        old: Obj,
        at: Key,
        subresource: str | None,
        hooks: bool,
        managed: ManagedHook | None,
    ) -> Obj:
        """The object an update of `current` (stored at `at`; `old` is a copy the hooks see)
        with `obj` stores: the server's metadata kept, defaults, managedFields and validation
        applied, the generation counted."""
        ns, name = at
        new = replacement(rt, current, obj, subresource)
        meta = keep_server_metadata(rt, new, current, ns, name)
        validate_meta(rt, new)
        if hooks and rt.defaults:
            rt.defaults(new, self)
        if managed is not None:
            new = managed(new, old)
            meta = new["metadata"]
        if hooks and rt.validate_update:
            rt.validate_update(new, old, self)
        meta["resourceVersion"] = current["metadata"]["resourceVersion"]
        if rt.has_spec and new.get("spec") != old.get("spec"):
            meta["generation"] = int(old["metadata"].get("generation", 1)) + 1
        return new

    def mutate(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        fn: Callable[[Obj], Any],
        *,
        subresource: str | None = None,
        hooks: bool = True,
        dry_run: bool = False,
    ) -> Obj:
        """Read-modify-write without a conflict: `fn` gets a copy of the live object and
        returns the new one (or changes it in place; a non-dict return value is ignored)."""
        current = self.get(rt, namespace, name)
        changed = fn(current)
        new = changed if isinstance(changed, dict) else current
        new.setdefault("metadata", {})["resourceVersion"] = None
        return self.update(
            rt,
            new,
            namespace=namespace,
            name=name,
            subresource=subresource,
            hooks=hooks,
            dry_run=dry_run,
            check_rv=False,
        )

    # ------------------------------------------------------------------ deletion

    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        propagation: str | None = None,
        grace_seconds: int | None = None,
        preconditions: Obj | None = None,
        dry_run: bool = False,
    ) -> Obj:
        """Delete (or start deleting) an object: see `deletion.delete`."""
        return deletion.delete(
            self,
            rt,
            namespace,
            name,
            propagation=propagation,
            grace_seconds=grace_seconds,
            preconditions=preconditions,
            dry_run=dry_run,
        )

    def resume_deletions(self) -> int:
        """Schedule again the graceful deletions a previous run left pending (see Lifecycle)."""
        return self.lifecycle.resume_deletions()

    def mark(self, rt: ResourceType, ns: str, name: str, fn: Callable[[Obj], None]) -> Obj:
        """Change a stored object with `fn`, bypassing hooks and checks (the store's own
        metadata changes: deletion marks, dropped ownerReferences)."""
        old = self._bucket(rt.storage_key)[(ns, name)]
        new = clone(old)
        fn(new)
        return self._commit_change(rt, ns, name, new, old)

    def remove(self, rt: ResourceType, ns: str, name: str, last: Obj) -> Obj:
        """Remove an object now; `last` (its final state) is announced as DELETED."""
        if (ns, name) not in self._read(rt.storage_key):
            return last
        with self.transaction():
            self._put(rt.storage_key, (ns, name), None)
            rv = self._next_rv()
            last["metadata"]["resourceVersion"] = str(rv)
            self.persistence.save_object(rt.storage_key, ns, name, None)
            self.watches.emit(WatchEvent("DELETED", rt.storage_key, clone(last), None, rv))
        return last
