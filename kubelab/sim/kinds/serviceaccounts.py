"""core/v1 ServiceAccount."""

from __future__ import annotations

from typing import Any

from kubelab.sim.registry import AGE_COLUMN, NAME_COLUMN, Cell, Column, ResourceType, age

Obj = dict[str, Any]


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
    extra={"return_deleted_object": True},
)

TYPES = (SERVICE_ACCOUNT,)
