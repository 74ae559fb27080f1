"""The served resource types: one `ResourceType` declaration per type, and the registry of them.

A served type is declared by a module under `kubelab/sim/kinds/` that defines
`TYPES: tuple[ResourceType, ...]`; the registry finds those modules by itself, so adding a type is
one module (plus its controller, if it has one).

Hooks receive the live `Store` (for reads such as allocation); they must not write through it.
Order on create: status dropped (types with a `status` subresource) -> `defaults` ->
`validate_create` (may fill allocated fields, raises `ApiError` 422) -> stored.
On update: `defaults` -> `validate_update(new, old, store)` -> stored.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from kubelab.sim.names import DNS1123_SUBDOMAIN, NameRule
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.store import Store

Cell = str | int | float | bool | None

ALL_VERBS: tuple[str, ...] = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)


@dataclass(frozen=True)
class Column:
    """A `meta.k8s.io/v1` Table column definition (priority 1 = shown only with `-o wide`)."""

    name: str
    type: str = "string"
    format: str = ""
    priority: int = 0
    description: str = ""

    def definition(self) -> Obj:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME_COLUMN = Column(
    "Name",
    "string",
    "name",
    0,
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
)
AGE_COLUMN = Column(
    "Age",
    "string",
    "",
    0,
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
)


def parse_time(ts: str) -> datetime | None:
    """An RFC 3339 timestamp (`2024-01-02T03:04:05Z`) as an aware datetime, or None."""
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None


def human_duration(seconds: float) -> str:
    """`k8s.io/apimachinery/pkg/util/duration.HumanDuration`: `5s`, `3m2s`, `4h`, `12d`, `3y`."""
    secs = int(seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60 * 2:
        return f"{secs}s"
    minutes = secs // 60
    if minutes < 10:
        s = secs % 60
        return f"{minutes}m{s}s" if s else f"{minutes}m"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = secs // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h{m}m" if m else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d{h}h" if h else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y{dy}d" if dy else f"{hours // 24 // 365}y"
    return f"{hours // 24 // 365}y"


def age(timestamp: str | None, now: datetime | None = None) -> str:
    """The AGE cell of a Table row for `metadata.creationTimestamp` (`<unknown>` when absent)."""
    when = parse_time(timestamp) if timestamp else None
    if when is None:
        return "<unknown>"
    current = now or datetime.now(UTC)
    return human_duration((current - when).total_seconds())


def default_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata", {})
    return [meta.get("name", ""), age(meta.get("creationTimestamp"))]


DefaultsHook = Callable[[Obj, "Store"], None]
# (the object, the grace period asked or defaulted) -> the grace period the delete gets.
GraceHook = Callable[[Obj, int], int]
CreateHook = Callable[[Obj, "Store"], None]
UpdateHook = Callable[[Obj, Obj, "Store"], None]
Convert = Callable[[Obj], Obj]
WarningsHook = Callable[[Obj], list[str]]


@dataclass(frozen=True)
class ResourceType:
    """Everything the server needs to serve one resource type."""

    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # e.g. ("status",), ("status", "scale"), ("status", "log", "exec", "attach")
    subresources: tuple[str, ...] = ()
    columns: tuple[Column, ...] = (NAME_COLUMN, AGE_COLUMN)
    row: Callable[[Obj], list[Cell]] = default_row
    defaults: DefaultsHook | None = None
    validate_create: CreateHook | None = None
    validate_update: UpdateHook | None = None
    # A Warning header sent with every request for this type (e.g. v1 Endpoints deprecation).
    warning: str | None = None
    # Field selector paths besides metadata.name / metadata.namespace (e.g. "spec.nodeName"),
    # or "label=path" for a label that reads another path ("source=source.component").
    field_selectors: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # The object carries a `spec` whose changes bump metadata.generation.
    has_spec: bool = True
    # Another type's storage this one is a view of ("group/plural"), with converters both ways.
    storage: str | None = None
    to_storage: Convert | None = None
    from_storage: Convert | None = None
    # The rule metadata.name follows (a DNS-1123 subdomain unless the type says otherwise).
    name_rule: NameRule = DNS1123_SUBDOMAIN
    # Deletion waits for the grace period (`spec.terminationGracePeriodSeconds`, e.g. pods).
    graceful_deletion: bool = False
    # Adjusts a graceful delete's period (pods: 0 when never scheduled or already finished).
    grace_period: GraceHook | None = None
    # A graceful deletion is finished by a controller (the kubelet deletes a Pod again with
    # grace 0 once its containers have stopped), not by the store when the period ends.
    deletion_finished_by_controller: bool = False
    # DELETE answers with the object rather than a Status (e.g. pods, service accounts).
    return_deleted_object: bool = False
    # The strategy's PrepareForCreate keeps the status a client sends (nodes: a node registers
    # with its status); every other type with a status subresource starts with none.
    keeps_status_on_create: bool = False
    # The strategy's AllowUnconditionalUpdate(): a PUT without metadata.resourceVersion
    # replaces whatever is stored; when False it is refused (422, e.g. leases).
    unconditional_update: bool = True
    # Create-only reviews: `defaults` computes the answer, nothing is stored.
    ephemeral: bool = False
    # Warnings about an object, sent as Warning headers on its create and update answers
    # (e.g. `GetWarningsForService`).
    warnings: WarningsHook | None = None

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """`group/plural` (`/services` for core): the storage key of this type."""
        return f"{self.group}/{self.plural}"

    @property
    def storage_key(self) -> str:
        return self.storage or self.key

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def drops_status_on_create(self) -> bool:
        """A create ignores the status the client sent (status is the controllers' to write)."""
        return self.has_status and not self.keeps_status_on_create

    @property
    def qualified_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural


@dataclass
class Registry:
    types: list[ResourceType]
    _by_gvr: dict[tuple[str, str, str], ResourceType] = field(default_factory=dict)
    _by_gvk: dict[tuple[str, str, str], ResourceType] = field(default_factory=dict)
    _by_key: dict[str, ResourceType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rt in self.types:
            self._by_gvr[(rt.group, rt.version, rt.plural)] = rt
            self._by_gvk[(rt.group, rt.version, rt.kind)] = rt
            if rt.storage is None:
                self._by_key.setdefault(rt.key, rt)

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvr.get((group, version, plural))

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        return self._by_gvk.get((group, version, kind))

    def by_key(self, key: str) -> ResourceType:
        """The storage type for `group/plural` (KeyError if none)."""
        return self._by_key[key]

    def storage_type(self, rt: ResourceType) -> ResourceType:
        return self._by_key[rt.storage_key]

    def stored_types(self) -> list[ResourceType]:
        return list(self._by_key.values())

    def groups(self) -> list[tuple[str, list[str]]]:
        """Served groups in discovery order with their versions (core group first)."""
        out: dict[str, list[str]] = {}
        for rt in self.types:
            versions = out.setdefault(rt.group, [])
            if rt.version not in versions:
                versions.append(rt.version)
        return sorted(out.items(), key=lambda kv: (kv[0] != "", _GROUP_ORDER.get(kv[0], 99), kv[0]))

    def in_group_version(self, group: str, version: str) -> list[ResourceType]:
        return [rt for rt in self.types if rt.group == group and rt.version == version]


_GROUP_ORDER = {"": 0, "apps": 1, "events.k8s.io": 2, "autoscaling": 3, "discovery.k8s.io": 4}


def build_registry(types: Iterable[ResourceType]) -> Registry:
    return Registry(list(types))


@cache
def load_registry() -> Registry:
    """The registry of every type declared under `kubelab.sim.kinds` (modules defining TYPES)."""
    import kubelab.sim.kinds as kinds

    types: list[ResourceType] = []
    for info in sorted(pkgutil.iter_modules(kinds.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{kinds.__name__}.{info.name}")
        declared = getattr(module, "TYPES", None)
        if declared is None:
            continue
        types.extend(declared)
    return build_registry(types)
