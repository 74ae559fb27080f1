"""Deleting objects, for the store: a delete's preconditions and propagation policy, the mark
(deletionTimestamp) that finalizers and graceful types get instead of a removal, and
deletecollection. What follows a deletion (dependents, grace periods, namespaces) is
`lifecycle.py`'s."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kubelab.sim import errors
from kubelab.sim.errors import ApiError
from kubelab.sim.lifecycle import NAMESPACES
from kubelab.sim.objects import Obj, clone, now_rfc3339
from kubelab.sim.registry import ResourceType
from kubelab.sim.selectors import FieldSelector, LabelSelector
from kubelab.sim.write_rules import check_preconditions, deletion_grace

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def delete(
    store: Store,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    *,
    propagation: str | None = None,
    grace_seconds: int | None = None,
    preconditions: Obj | None = None,
    dry_run: bool = False,
) -> Obj:
    """Delete (or start deleting) an object; returns it as it stands after the call.
    Finalizers defer the removal (deletionTimestamp set); graceful types (declared with
    `graceful_deletion=True`) keep the object until the grace period ends (or, for a type
    whose deletion a controller finishes, until it deletes again) or a second delete with
    grace 0. Dependents are garbage-collected by ownerReferences."""
    rt = store.registry.storage_type(rt) if rt.storage else rt
    ns = (namespace or "default") if rt.namespaced else ""
    current = store.stored(rt.storage_key, ns, name)
    if current is None:
        raise errors.not_found(rt.plural, name, rt.group)
    meta = current["metadata"]
    if preconditions:
        check_preconditions(rt, name, meta, preconditions)
    if dry_run:
        return clone(current)
    policy = propagation or "Background"
    with store.transaction():
        if rt.storage_key == NAMESPACES:
            return store.lifecycle.delete_namespace(rt, name)
        uid = str(meta.get("uid", ""))
        grace = deletion_grace(rt, current, grace_seconds)
        if policy == "Orphan":
            store.lifecycle.orphan_dependents(uid)
        elif policy == "Foreground":
            store.lifecycle.collect_dependents(uid)
        finalizers = [
            f for f in meta.get("finalizers") or [] if f not in ("orphan", "foregroundDeletion")
        ]
        if finalizers or (rt.graceful_deletion and grace and grace > 0):
            return _start_deletion(store, rt, ns, name, current, grace, bool(finalizers))
        removed = store.remove(rt, ns, name, clone(current))
        if policy == "Background":
            store.lifecycle.collect_dependents(uid)
        return removed


def _start_deletion(
    store: Store, rt: ResourceType, ns: str, name: str, current: Obj, grace: int | None, held: bool
) -> Obj:
    """Set deletionTimestamp (now + grace); a graceful type with no finalizers (`held`)
    is removed when the grace period ends, or at once by a second delete with grace 0."""
    if current["metadata"].get("deletionTimestamp"):
        if rt.graceful_deletion and grace == 0 and not held:
            return store.remove(rt, ns, name, clone(current))
        return clone(current)

    def mark(o: Obj) -> None:
        m = o["metadata"]
        m["deletionTimestamp"] = now_rfc3339(float(grace or 0))
        m["deletionGracePeriodSeconds"] = int(grace or 0)

    marked = store.mark(rt, ns, name, mark)
    if rt.graceful_deletion and not held and not rt.deletion_finished_by_controller:
        uid = str(current["metadata"].get("uid", ""))
        store.lifecycle.schedule_removal(rt, ns, name, uid, float(grace or 0))
    return marked


def delete_collection(
    store: Store,
    rt: ResourceType,
    namespace: str | None,
    *,
    labels: LabelSelector | None = None,
    fields: FieldSelector | None = None,
    propagation: str | None = None,
    grace_seconds: int | None = None,
    dry_run: bool = False,
    view: Callable[[Obj], Obj] | None = None,
) -> list[Obj]:
    """Delete every matching object in one transaction; one deleted meanwhile is skipped."""
    result = store.list(rt, namespace, labels=labels, fields=fields, view=view)
    out: list[Obj] = []
    with store.transaction():
        for obj in result.items:
            m = obj["metadata"]
            try:
                out.append(
                    delete(
                        store,
                        rt,
                        m.get("namespace"),
                        m["name"],
                        propagation=propagation,
                        grace_seconds=grace_seconds,
                        dry_run=dry_run,
                    )
                )
            except ApiError as e:
                if e.code != 404:
                    raise
    return out
