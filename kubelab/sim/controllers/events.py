"""Recording core/v1 Events the way client-go's EventRecorder does: one Event per distinct
(object, reason, message, source), later repeats counted on it (`count`, `lastTimestamp`),
named `<object>.<hex nanoseconds>`."""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from kubelab.sim.controllers.base import meta, now
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import Store


NORMAL = "Normal"
WARNING = "Warning"

_recent: weakref.WeakKeyDictionary[Store, dict[tuple[str, ...], tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)


def record(
    store: Store,
    obj: Obj,
    type_: str,
    reason: str,
    message: str,
    component: str,
    *,
    host: str = "",
    field_path: str = "",
) -> None:
    """Record an event about `obj` (an API object with kind, metadata.uid)."""
    m = meta(obj)
    namespace = str(m.get("namespace") or "default")
    involved: Obj = {
        "kind": obj.get("kind"),
        "namespace": m.get("namespace") or "",
        "name": m.get("name"),
        "uid": m.get("uid"),
        "apiVersion": obj.get("apiVersion"),
        "resourceVersion": m.get("resourceVersion"),
    }
    if not involved["namespace"]:
        involved.pop("namespace")
    if field_path:
        involved["fieldPath"] = field_path
    events_rt = store.registry.get("", "v1", "events")
    if events_rt is None:
        return
    key = (str(m.get("uid")), field_path, type_, reason, message, component, host)
    recent = _recent.setdefault(store, {})
    stamp = now()
    known = recent.get(key)
    if known is not None:
        existing = store.try_get(events_rt, known[0], known[1])
        if existing is not None:

            def bump(ev: Obj) -> None:
                ev["count"] = int(ev.get("count") or 1) + 1
                ev["lastTimestamp"] = stamp

            store.mutate(events_rt, known[0], known[1], bump, hooks=False)
            return
    name = f"{m.get('name')}.{time.time_ns():x}"
    source: Obj = {"component": component}
    if host:
        source["host"] = host
    event: Obj = {
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": involved,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "type": type_,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }
    store.create(events_rt, event, namespace=namespace, hooks=False)
    recent[key] = (namespace, name)
    if len(recent) > 20000:
        for old in list(recent)[:10000]:
            recent.pop(old, None)
