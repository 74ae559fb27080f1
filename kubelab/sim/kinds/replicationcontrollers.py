"""core/v1 ReplicationControllers: like ReplicaSets with a plain map selector."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.kinds.field_errors import FieldError, GoValue, invalid, raise_invalid, required
from kubelab.sim.kinds.pod_defaults import validate_pod_spec
from kubelab.sim.kinds.printer_helpers import (
    container_images,
    container_names,
    format_labels,
    map_matches,
)
from kubelab.sim.kinds.replicasets import REPLICA_COLUMNS
from kubelab.sim.kinds.workload_rules import default_workload, go_map
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


def rc_row(obj: Obj) -> list[Cell]:
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
        format_labels(spec.get("selector")),
    ]


def defaults(obj: Obj, store: Store) -> None:
    spec = default_workload(obj)
    template = spec.get("template") if isinstance(spec.get("template"), dict) else None
    labels = ((template or {}).get("metadata") or {}).get("labels")
    if labels and not spec.get("selector"):
        spec["selector"] = dict(labels)
    meta = obj.setdefault("metadata", {})
    if labels and not meta.get("labels"):
        meta["labels"] = dict(labels)


def validate(obj: Obj) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    selector = spec.get("selector") or {}
    template = spec.get("template") if isinstance(spec.get("template"), dict) else None
    if not selector:
        errors.append(required("spec.selector"))
    labels = ((template or {}).get("metadata") or {}).get("labels") or {}
    if template is None:
        errors.append(required("spec.template"))
    else:
        if selector and not map_matches(selector, labels):
            errors.append(
                invalid(
                    "spec.template.metadata.labels",
                    GoValue(go_map(labels)),
                    "`selector` does not match template `labels`",
                )
            )
        errors.extend(validate_pod_spec(template.get("spec"), "spec.template.spec"))
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    return errors


def validate_create(obj: Obj, store: Store) -> None:
    raise_invalid("ReplicationController", str(obj["metadata"].get("name", "")), validate(obj))


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    if new.get("spec") != old.get("spec"):
        validate_create(new, store)


TYPES = (
    ResourceType(
        group="",
        version="v1",
        kind="ReplicationController",
        plural="replicationcontrollers",
        singular="replicationcontroller",
        namespaced=True,
        short_names=("rc",),
        categories=("all",),
        subresources=("status", "scale"),
        columns=REPLICA_COLUMNS,
        row=rc_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
