"""apps/v1 DaemonSets."""

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
    format_labels,
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


def daemonset_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    template = spec.get("template") or {}
    node_selector = (template.get("spec") or {}).get("nodeSelector")
    return [
        meta.get("name", ""),
        int(status.get("desiredNumberScheduled") or 0),
        int(status.get("currentNumberScheduled") or 0),
        int(status.get("numberReady") or 0),
        int(status.get("updatedNumberScheduled") or 0),
        int(status.get("numberAvailable") or 0),
        format_labels(node_selector),
        age(meta.get("creationTimestamp")),
        container_names(template),
        container_images(template),
        format_label_selector(spec.get("selector")),
    ]


def defaults(obj: Obj, store: Store) -> None:
    spec = default_workload(obj, replicas=False)
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxUnavailable", 1)
                rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)


validate_create, validate_update = apps_validators("DaemonSet")


TYPES = (
    ResourceType(
        group=GROUP,
        version="v1",
        kind="DaemonSet",
        plural="daemonsets",
        singular="daemonset",
        namespaced=True,
        short_names=("ds",),
        categories=("all",),
        subresources=("status",),
        columns=(
            NAME,
            Column(
                "Desired",
                "integer",
                "",
                0,
                "The total number of nodes that should be running the daemon pod.",
            ),
            Column(
                "Current",
                "integer",
                "",
                0,
                "The number of nodes that are running at least 1 daemon pod.",
            ),
            Column(
                "Ready",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of "
                "the daemon pod running and ready.",
            ),
            Column(
                "Up-to-date",
                "integer",
                "",
                0,
                "The total number of nodes that are running updated daemon pod",
            ),
            Column(
                "Available",
                "integer",
                "",
                0,
                "The number of nodes that should be running the daemon pod and have one or more of "
                "the daemon pod running and available.",
            ),
            Column(
                "Node Selector",
                "string",
                "",
                0,
                "NodeSelector is a selector which must be true for the pod to fit on a node.",
            ),
            AGE,
            CONTAINERS,
            IMAGES,
            SELECTOR,
        ),
        row=daemonset_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
