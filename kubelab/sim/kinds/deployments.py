"""apps/v1 Deployments (with /scale and /status)."""

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


def deployment_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    template = spec.get("template")
    return [
        meta.get("name", ""),
        f"{int(status.get('readyReplicas') or 0)}/{int(spec.get('replicas') or 0)}",
        int(status.get("updatedReplicas") or 0),
        int(status.get("availableReplicas") or 0),
        age(meta.get("creationTimestamp")),
        container_names(template),
        container_images(template),
        format_label_selector(spec.get("selector")),
    ]


def defaults(obj: Obj, store: Store) -> None:
    spec = default_workload(obj)
    strategy = spec.setdefault("strategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxUnavailable", "25%")
                rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)


validate_create, validate_update = apps_validators("Deployment")


TYPES = (
    ResourceType(
        group=GROUP,
        version="v1",
        kind="Deployment",
        plural="deployments",
        singular="deployment",
        namespaced=True,
        short_names=("deploy",),
        categories=("all",),
        subresources=("status", "scale"),
        columns=(
            NAME,
            Column("Ready", "string", "", 0, "Number of the pod with ready state"),
            Column(
                "Up-to-date",
                "integer",
                "",
                0,
                "Total number of non-terminated pods targeted by this deployment that have the "
                "desired template spec.",
            ),
            Column(
                "Available",
                "integer",
                "",
                0,
                "Total number of available pods (ready for at least minReadySeconds) targeted by "
                "this deployment.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ),
        row=deployment_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
