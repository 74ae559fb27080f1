"""core/v1 Namespace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.names import DNS1123_LABEL
from kubelab.sim.objects import Obj
from kubelab.sim.registry import AGE_COLUMN, NAME_COLUMN, Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def _defaults(obj: Obj, store: Store) -> None:
    meta = obj["metadata"]
    labels = meta.setdefault("labels", {})
    labels["kubernetes.io/metadata.name"] = meta["name"]
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    status = obj.setdefault("status", {})
    if not meta.get("deletionTimestamp"):
        status["phase"] = "Active"


def _row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata", {})
    phase = (obj.get("status") or {}).get("phase", "")
    return [meta.get("name", ""), phase, age(meta.get("creationTimestamp"))]


NAMESPACE = ResourceType(
    group="",
    version="v1",
    kind="Namespace",
    plural="namespaces",
    singular="namespace",
    namespaced=False,
    short_names=("ns",),
    name_rule=DNS1123_LABEL,
    # The namespace registry answers a DELETE with the (terminating) namespace.
    return_deleted_object=True,
    subresources=("status",),
    columns=(
        NAME_COLUMN,
        Column("Status", description="The status of the namespace"),
        AGE_COLUMN,
    ),
    row=_row,
    defaults=_defaults,
    has_spec=False,
    field_selectors=("status.phase",),
    verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
)

TYPES = (NAMESPACE,)
