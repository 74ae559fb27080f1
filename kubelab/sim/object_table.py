"""The store's objects in memory: by storage key (`/pods`, `apps/deployments`), then by
(namespace, name), with each type's keys kept in order between the creations and removals of
that type (lists are frequent; sorting each time is not cheap), and the pages a list reads."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from kubelab.sim.continue_tokens import Key, decode_continue, encode_continue
from kubelab.sim.objects import Obj, clone
from kubelab.sim.selectors import FieldSelector, LabelSelector

# Names for the lists the table returns (inside `Store`, `list` is its list method).
Objects = list[Obj]
Keys = list[Key]


@dataclass
class ListResult:
    items: list[Obj]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


class ObjectTable:
    def __init__(self, objects: dict[str, dict[Key, Obj]] | None = None) -> None:
        self.objects: dict[str, dict[Key, Obj]] = objects if objects is not None else {}
        self._order: dict[str, Keys] = {}  # sorted keys per type (a cache)

    def bucket(self, key: str) -> dict[Key, Obj]:
        """The objects of a type, for a write (created when missing)."""
        return self.objects.setdefault(key, {})

    def read(self, key: str) -> dict[Key, Obj]:
        """The objects of a type, for a read (a read never changes the table)."""
        return self.objects.get(key) or {}

    def put(self, key: str, at: Key, obj: Obj | None) -> Callable[[], None]:
        """Set (or, with None, remove) a stored object; returns how to undo it."""
        bucket = self.bucket(key)
        previous = bucket.get(at)
        if obj is None:
            bucket.pop(at, None)
        else:
            bucket[at] = obj
        if (previous is None) != (obj is None):
            self._order.pop(key, None)

        def restore() -> None:
            if previous is None:
                bucket.pop(at, None)
            else:
                bucket[at] = previous
            self._order.pop(key, None)

        return restore

    def keys(self, key: str, namespace: str | None) -> Keys:
        """The (namespace, name) keys of a type in order (of one namespace, if given)."""
        order = self._order.get(key)
        if order is None:
            order = sorted(self.read(key))
            self._order[key] = order
        if not namespace:
            return order
        lo = bisect.bisect_left(order, (namespace, ""))
        hi = bisect.bisect_left(order, (namespace + "\x00", ""))
        return order[lo:hi]

    def in_order(self, key: str, namespace: str | None) -> Objects:
        """The live objects of a type in key order (not copies)."""
        bucket = self.read(key)
        return [bucket[k] for k in self.keys(key, namespace)]

    def page(
        self,
        key: str,
        namespace: str | None,
        resource_version: int,
        *,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        limit: int,
        continue_token: str,
        view: Callable[[Obj], Obj] | None,
        copy_items: bool,
    ) -> ListResult:
        """Matching objects sorted by namespace/name; `limit`/`continue` page through them."""
        start: Key | None = None
        list_rv = resource_version
        if continue_token:
            start, list_rv = decode_continue(continue_token)
        bucket = self.read(key)
        keys = self.keys(key, namespace)
        if start is not None:
            keys = [k for k in keys if k > start]
        out: Objects = []
        token = ""
        remaining: int | None = None
        for i, k in enumerate(keys):
            obj = bucket[k]
            if labels is not None and not labels.matches(obj["metadata"].get("labels")):
                continue
            if fields is not None and not fields.matches(view(obj) if view else obj):
                continue
            if limit and len(out) >= limit:
                last = keys[i - 1] if i else k
                token = encode_continue(last, list_rv)
                remaining = len(keys) - i if (labels is None or labels.empty) else None
                break
            out.append(clone(obj) if copy_items else obj)
        return ListResult(out, resource_version, token, remaining)
