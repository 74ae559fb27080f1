"""Garbage collection and the namespace lifecycle: dependents (by ownerReferences) deleted or
orphaned with their owner, graceful deletions finished when their grace period ends, and a
deleted namespace emptied before it goes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubelab.sim import errors
from kubelab.sim.objects import Obj, clone, now_rfc3339
from kubelab.sim.registry import ResourceType, parse_time

if TYPE_CHECKING:
    from kubelab.sim.store import Store

NAMESPACES = "/namespaces"
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")


class Lifecycle:
    """The deletions a store's deletions lead to."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.grace_cap = 1.0  # seconds a graceful deletion waits at most before completing

    def dependents(self, uid: str) -> list[tuple[ResourceType, Obj]]:
        out: list[tuple[ResourceType, Obj]] = []
        if not uid:
            return out
        for key, bucket in self.store.buckets():
            try:
                rt = self.store.registry.by_key(key)
            except KeyError:
                continue
            for obj in bucket.values():
                refs = obj["metadata"].get("ownerReferences") or []
                if any(r.get("uid") == uid for r in refs):
                    out.append((rt, obj))
        return out

    def orphan_dependents(self, uid: str) -> None:
        """Drop the ownerReference to `uid` from its dependents (propagationPolicy=Orphan)."""
        for rt, obj in self.dependents(uid):
            m = obj["metadata"]
            self.store.mark(rt, m.get("namespace", ""), m["name"], _without_owner(uid))

    def owner_alive(self, ref: Obj, namespace: str) -> bool:
        registry = self.store.registry
        rt = registry.for_kind(str(ref.get("apiVersion", "")), str(ref.get("kind", "")))
        if rt is None:
            return False
        ns = namespace if rt.namespaced else ""
        owner = self.store.stored(rt.storage_key, ns, str(ref.get("name", "")))
        return owner is not None and owner["metadata"].get("uid") == ref.get("uid")

    def collect_dependents(self, uid: str) -> None:
        """Garbage-collect: delete dependents of `uid` that have no other live owner."""
        for rt, obj in self.dependents(uid):
            m = obj["metadata"]
            ns = m.get("namespace", "")
            others = [r for r in m.get("ownerReferences") or [] if r.get("uid") != uid]
            if any(self.owner_alive(r, ns) for r in others):
                self.store.mark(rt, ns, m["name"], _without_owner(uid, keep_empty=True))
                continue
            if self.store.stored(rt.storage_key, ns, m["name"]) is not None:
                self.store.delete(rt, ns or None, m["name"], propagation="Background")

    def schedule_removal(
        self, rt: ResourceType, ns: str, name: str, uid: str, grace: float
    ) -> None:
        """Remove the object when its grace period ends (capped by `grace_cap`), unless it was
        replaced or got finalizers meanwhile. Needs a running event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def finish() -> None:
            cur = self.store.stored(rt.storage_key, ns, name)
            if cur is None or cur["metadata"].get("uid") != uid:
                return
            if cur["metadata"].get("finalizers"):
                return
            self.store.remove(rt, ns, name, clone(cur))
            self.collect_dependents(uid)

        loop.call_later(min(grace, self.grace_cap), finish)

    def resume_deletions(self) -> int:
        """Schedule again the end of every graceful deletion a previous run left pending (its
        timer lived in that run's event loop): at once if its deletionTimestamp has passed,
        else when it does (capped like any grace period). Needs a running loop; returns how
        many were scheduled."""
        now = datetime.now(UTC)
        scheduled = 0
        for rt in self.store.registry.types:
            if rt.storage is not None or not rt.graceful_deletion:
                continue
            if rt.deletion_finished_by_controller:  # its controller resumes them itself
                continue
            for obj in self.store.objects(rt.storage_key):
                meta = obj["metadata"]
                if not meta.get("deletionTimestamp") or meta.get("finalizers"):
                    continue
                deadline = parse_time(str(meta["deletionTimestamp"]))
                left = (deadline - now).total_seconds() if deadline is not None else 0.0
                ns = str(meta.get("namespace", "")) if rt.namespaced else ""
                self.schedule_removal(
                    rt, ns, str(meta["name"]), str(meta.get("uid", "")), max(left, 0.0)
                )
                scheduled += 1
        return scheduled

    def delete_namespace(self, rt: ResourceType, name: str) -> Obj:
        """Mark the namespace Terminating, delete everything in it, then remove it."""
        if name in PROTECTED_NAMESPACES:
            raise errors.forbidden_error("namespaces", name, "this namespace may not be deleted")
        marked = self.store.mark(rt, "", name, _terminating)
        for key, bucket in self.store.buckets():
            try:
                contained = self.store.registry.by_key(key)
            except KeyError:
                continue
            if not contained.namespaced:
                continue
            for (ns, oname), obj in list(bucket.items()):
                if ns == name:
                    self.store.remove(contained, ns, oname, clone(obj))
        for k in self.store.runtime.keys(f"ns/{name}/"):
            self.store.runtime.delete(k)
        last = self.store.stored(NAMESPACES, "", name)
        if last is not None:
            self.store.remove(rt, "", name, clone(last))
        return marked


def _terminating(o: Obj) -> None:
    o["metadata"]["deletionTimestamp"] = now_rfc3339()
    o["metadata"]["deletionGracePeriodSeconds"] = 0
    o.setdefault("spec", {})["finalizers"] = ["kubernetes"]
    o.setdefault("status", {})["phase"] = "Terminating"


def _without_owner(uid: str, *, keep_empty: bool = False) -> Callable[[Obj], None]:
    """A change that drops the ownerReference to `uid` (the field goes when none is left,
    unless `keep_empty`)."""

    def drop(o: Obj) -> None:
        refs = [r for r in o["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
        if refs or keep_empty:
            o["metadata"]["ownerReferences"] = refs
        else:
            o["metadata"].pop("ownerReferences", None)

    return drop
