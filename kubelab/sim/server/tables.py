"""`meta.k8s.io/v1` Table output: each type's printer columns and row function."""

from __future__ import annotations

from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType


def wants_table(accept: str) -> bool:
    """True when the first acceptable media type asks for a meta.k8s.io/v1 Table."""
    for part in accept.split(","):
        params = {p.strip() for p in part.split(";")[1:]}
        if "as=Table" in params and "g=meta.k8s.io" in params and "v=v1" in params:
            return True
    return False


def _partial(obj: Obj) -> Obj:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }


def row(rt: ResourceType, obj: Obj, include: str) -> Obj:
    out: Obj = {"cells": rt.row(obj)}
    if include == "Object":
        out["object"] = obj
    elif include != "None":
        out["object"] = _partial(obj)
    return out


def table(
    rt: ResourceType,
    objs: list[Obj],
    *,
    resource_version: str = "",
    continue_token: str = "",
    remaining: int | None = None,
    include: str = "Metadata",
    headers: bool = True,
) -> Obj:
    meta: Obj = {}
    if resource_version:
        meta["resourceVersion"] = resource_version
    if continue_token:
        meta["continue"] = continue_token
    if remaining is not None and continue_token:
        meta["remainingItemCount"] = remaining
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": [c.definition() for c in rt.columns] if headers else [],
        "rows": [row(rt, o, include) for o in objs],
    }
