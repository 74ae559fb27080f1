"""coordination.k8s.io/v1 Leases (the node heartbeats `kubectl describe node` shows)."""

from __future__ import annotations

from kubelab.sim.kinds.printer_helpers import AGE, NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age


def lease_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    holder = (obj.get("spec") or {}).get("holderIdentity") or ""
    return [meta.get("name", ""), holder, age(meta.get("creationTimestamp"))]


TYPES = (
    ResourceType(
        group="coordination.k8s.io",
        version="v1",
        kind="Lease",
        plural="leases",
        singular="lease",
        namespaced=True,
        columns=(
            NAME,
            Column(
                "Holder",
                "string",
                "",
                0,
                "holderIdentity contains the identity of the holder of a current lease.",
            ),
            AGE,
        ),
        row=lease_row,
        # pkg/registry/coordination/lease/strategy.go: AllowUnconditionalUpdate() is false.
        unconditional_update=False,
        has_spec=False,  # no metadata.generation, as on a real server
    ),
)
