"""apps/v1 StatefulSets (with /scale and /status): defaults from pkg/apis/apps/v1/defaults.go
(SetDefaults_StatefulSet), validation from pkg/apis/apps/validation (ValidateStatefulSet*),
the table of pkg/printers/internalversion/printers.go (printStatefulSet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.kinds.field_errors import FieldError, forbidden, not_supported, raise_invalid
from kubelab.sim.kinds.printer_helpers import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    container_images,
    container_names,
)
from kubelab.sim.kinds.workload_rules import (
    default_workload,
    selector_immutable,
    validate_template_and_selector,
)
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store

GROUP = "apps"
POLICIES = ("OrderedReady", "Parallel")
STRATEGIES = ("RollingUpdate", "OnDelete")
# The spec fields an update may change (ValidateStatefulSetUpdate).
UPDATABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)


def statefulset_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    template = spec.get("template")
    ready = int(status.get("readyReplicas") or 0)
    return [
        meta.get("name", ""),
        f"{ready}/{int(spec.get('replicas') or 0)}",
        age(meta.get("creationTimestamp")),
        container_names(template),
        container_images(template),
    ]


def defaults(obj: Obj, store: Store) -> None:
    spec = default_workload(obj)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    if isinstance(retention, dict):
        retention.setdefault("whenDeleted", "Retain")
        retention.setdefault("whenScaled", "Retain")


def _spec_errors(spec: Obj) -> list[FieldError]:
    errors = validate_template_and_selector(spec, "statefulset")
    policy = spec.get("podManagementPolicy")
    if policy not in POLICIES:
        errors.append(not_supported("spec.podManagementPolicy", policy, POLICIES))
    kind = (spec.get("updateStrategy") or {}).get("type")
    if kind not in STRATEGIES:
        errors.append(not_supported("spec.updateStrategy.type", kind, STRATEGIES))
    return errors


def validate_create(obj: Obj, store: Store) -> None:
    name = str((obj.get("metadata") or {}).get("name", ""))
    raise_invalid("StatefulSet", name, _spec_errors(obj.get("spec") or {}), GROUP)


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    name = str((new.get("metadata") or {}).get("name", ""))
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if new_spec == old_spec:
        return
    errors = selector_immutable(new, old)
    fixed = [k for k in set(new_spec) | set(old_spec) if k not in UPDATABLE and k != "selector"]
    if any(new_spec.get(k) != old_spec.get(k) for k in fixed):
        errors.append(
            forbidden(
                "spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                "'minReadySeconds' are forbidden",
            )
        )
    raise_invalid("StatefulSet", name, errors + _spec_errors(new_spec), GROUP)


TYPES = (
    ResourceType(
        group=GROUP,
        version="v1",
        kind="StatefulSet",
        plural="statefulsets",
        singular="statefulset",
        namespaced=True,
        short_names=("sts",),
        categories=("all",),
        subresources=("status", "scale"),
        columns=(
            NAME,
            Column("Ready", "string", "", 0, "Number of the pod with ready state"),
            AGE,
            CONTAINERS,
            IMAGES,
        ),
        row=statefulset_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
