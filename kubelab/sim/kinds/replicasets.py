"""apps/v1 ReplicaSets (with /scale and /status)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.kinds.printer_helpers import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    SELECTOR,
    container_images,
    container_names,
    format_label_selector,
)
from kubelab.sim.kinds.workload_rules import (
    apps_validators,
    default_workload,
)
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store

GROUP = "apps"

REPLICA_COLUMNS = (
    NAME,
    Column("Desired", "integer", "", 0, "Number of desired pods."),
    Column("Current", "integer", "", 0, "Number of actual replicas."),
    Column("Ready", "integer", "", 0, "The number of ready replicas for this replica set."),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
)


def replicaset_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    template = spec.get("template")
    return [
        meta.get("name", ""),
        int(spec.get("replicas") or 0),
        int(status.get("replicas") or 0),
        int(status.get("readyReplicas") or 0),
        age(meta.get("creationTimestamp")),
        container_names(template),
        container_images(template),
        format_label_selector(spec.get("selector")),
    ]


def defaults(obj: Obj, store: Store) -> None:
    default_workload(obj)


validate_create, validate_update = apps_validators("ReplicaSet")


TYPES = (
    ResourceType(
        group=GROUP,
        version="v1",
        kind="ReplicaSet",
        plural="replicasets",
        singular="replicaset",
        namespaced=True,
        short_names=("rs",),
        categories=("all",),
        subresources=("status", "scale"),
        columns=REPLICA_COLUMNS,
        row=replicaset_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
