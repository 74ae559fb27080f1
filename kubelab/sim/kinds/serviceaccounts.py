"""core/v1 ServiceAccount."""

from __future__ import annotations

from kubelab.sim.objects import Obj
from kubelab.sim.registry import AGE_COLUMN, NAME_COLUMN, Cell, Column, ResourceType, age


def _row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata", {})
    return [meta.get("name", ""), len(obj.get("secrets") or []), age(meta.get("creationTimestamp"))]


SERVICE_ACCOUNT = ResourceType(
    group="",
    version="v1",
    kind="ServiceAccount",
    plural="serviceaccounts",
    singular="serviceaccount",
    namespaced=True,
    short_names=("sa",),
    columns=(NAME_COLUMN, Column("Secrets"), AGE_COLUMN),
    row=_row,
    has_spec=False,
    return_deleted_object=True,
)

TYPES = (SERVICE_ACCOUNT,)
