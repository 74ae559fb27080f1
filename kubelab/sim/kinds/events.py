"""Events: core/v1 Event (stored) and events.k8s.io/v1 Event (a view of the same objects)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.names import ANY_NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import NAME_COLUMN, Cell, Column, ResourceType, age, parse_time

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def _since(ts: str | None) -> str:
    if not ts or parse_time(ts) is None:
        return "<unknown>"
    return age(ts)


def _source(obj: Obj) -> str:
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    instance = source.get("host") or obj.get("reportingInstance") or ""
    if not component:
        return "<unknown>"
    return f"{component}, {instance}" if instance else component


def _row(obj: Obj) -> list[Cell]:
    """`printEvent` of kubernetes/pkg/printers/internalversion/printers.go."""
    first = obj.get("firstTimestamp")
    first_seen = _since(first) if first else _since(obj.get("eventTime"))
    last = obj.get("lastTimestamp")
    last_seen = _since(last) if last else first_seen
    count = int(obj.get("count") or 0)
    series = obj.get("series")
    if isinstance(series, dict):
        last_seen = _since(series.get("lastObservedTime"))
        count = int(series.get("count") or 0)
    elif count == 0:
        count = 1
    involved = obj.get("involvedObject") or {}
    return [
        last_seen,
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}",
        involved.get("fieldPath", ""),
        _source(obj),
        str(obj.get("message", "")).strip(),
        first_seen,
        count,
        obj.get("metadata", {}).get("name", ""),
    ]


_DESCRIPTIONS = {
    "Last Seen": "The time at which the most recent occurrence of this event was recorded.",
    "Type": "Type of this event (Normal, Warning), new types could be added in the future",
    "Reason": "This should be a short, machine understandable string that gives the reason for "
    "the transition into the object's current status.",
    "Object": "The object that this event is about.",
    "Subobject": "If referring to a piece of an object instead of an entire object, this string "
    "should contain a valid JSON/Go field access statement, such as "
    "desiredState.manifest.containers[2].",
    "Source": "The component reporting this event. Should be a short machine understandable "
    "string.",
    "Message": "A human-readable description of the status of this operation.",
    "First Seen": "The time at which the event was first recorded. (Time of server receipt is in "
    "TypeMeta.)",
    "Count": "The number of times this event has occurred.",
}

COLUMNS = (
    Column("Last Seen", description=_DESCRIPTIONS["Last Seen"]),
    Column("Type", description=_DESCRIPTIONS["Type"]),
    Column("Reason", description=_DESCRIPTIONS["Reason"]),
    Column("Object", description=_DESCRIPTIONS["Object"]),
    Column("Subobject", priority=1, description=_DESCRIPTIONS["Subobject"]),
    Column("Source", priority=1, description=_DESCRIPTIONS["Source"]),
    Column("Message", description=_DESCRIPTIONS["Message"]),
    Column("First Seen", priority=1, description=_DESCRIPTIONS["First Seen"]),
    Column("Count", priority=1, description=_DESCRIPTIONS["Count"]),
    Column(NAME_COLUMN.name, NAME_COLUMN.type, NAME_COLUMN.format, 1, NAME_COLUMN.description),
)

FIELD_SELECTORS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source=source.component",
    "type",
)


def _defaults(obj: Obj, store: Store) -> None:
    involved = obj.get("involvedObject")
    if isinstance(involved, dict) and not involved.get("namespace"):
        ns = obj["metadata"].get("namespace")
        if ns:
            involved["namespace"] = ns
    obj.setdefault("reportingComponent", "")
    obj.setdefault("reportingInstance", "")


EVENT = ResourceType(
    group="",
    version="v1",
    kind="Event",
    plural="events",
    singular="event",
    namespaced=True,
    short_names=("ev",),
    columns=COLUMNS,
    row=_row,
    defaults=_defaults,
    has_spec=False,
    field_selectors=FIELD_SELECTORS,
    name_rule=ANY_NAME,  # the simulator does not check event names
)

# core/v1 field -> events.k8s.io/v1 field
_RENAMES = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_BACK = {v: k for k, v in _RENAMES.items()}


def to_events_v1(core: Obj) -> Obj:
    """A core/v1 Event as an events.k8s.io/v1 Event."""
    out: Obj = {"apiVersion": "events.k8s.io/v1", "kind": "Event"}
    for key, value in core.items():
        if key in ("apiVersion", "kind"):
            continue
        out[_RENAMES.get(key, key)] = value
    if out.get("deprecatedCount") == 0:
        out.pop("deprecatedCount")
    if not out.get("eventTime"):
        # events.k8s.io/v1 requires eventTime (typed clients reject null): use the first time
        # the event was seen, as a MicroTime.
        seen = (
            core.get("firstTimestamp")
            or core.get("lastTimestamp")
            or core.get("metadata", {}).get("creationTimestamp")
        )
        if isinstance(seen, str) and seen.endswith("Z") and "." not in seen:
            seen = seen[:-1] + ".000000Z"
        out["eventTime"] = seen
    return out


def to_core(ev: Obj) -> Obj:
    """An events.k8s.io/v1 Event as the core/v1 Event it is stored as."""
    out: Obj = {"apiVersion": "v1", "kind": "Event"}
    for key, value in ev.items():
        if key in ("apiVersion", "kind"):
            continue
        out[_BACK.get(key, key)] = value
    return out


def _v1_row(obj: Obj) -> list[Cell]:
    return _row(to_core(obj))


EVENT_V1 = ResourceType(
    group="events.k8s.io",
    version="v1",
    kind="Event",
    plural="events",
    singular="event",
    namespaced=True,
    short_names=("ev",),
    columns=COLUMNS,
    row=_v1_row,
    has_spec=False,
    field_selectors=(
        "regarding.kind",
        "regarding.namespace",
        "regarding.name",
        "regarding.uid",
        "regarding.apiVersion",
        "regarding.resourceVersion",
        "regarding.fieldPath",
        "reason",
        "reportingController",
        "type",
    ),
    storage="/events",
    to_storage=to_core,
    from_storage=to_events_v1,
)

TYPES = (EVENT, EVENT_V1)
