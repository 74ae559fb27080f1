"""Defaults and validation shared by Deployments, ReplicaSets, DaemonSets and
ReplicationControllers (`pkg/apis/apps/validation`, `pkg/apis/apps/v1/defaults.go`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kubelab.sim.kinds.field_errors import (
    FieldError,
    GoValue,
    invalid,
    not_supported,
    raise_invalid,
    required,
)
from kubelab.sim.kinds.pod_defaults import default_template, validate_pod_spec
from kubelab.sim.kinds.printer_helpers import selector_matches
from kubelab.sim.objects import Obj

if TYPE_CHECKING:
    from kubelab.sim.registry import CreateHook, UpdateHook
    from kubelab.sim.store import Store


def go_map(values: Mapping[str, Any] | None) -> str:
    """`map[string]string{"a":"b"}` (keys sorted, like fmt's %#v)."""
    if values is None:
        return "map[string]string(nil)"
    inner = ", ".join(f"{json.dumps(k)}:{json.dumps(str(values[k]))}" for k in sorted(values))
    return "map[string]string{" + inner + "}"


def go_label_selector(selector: Mapping[str, Any] | None) -> str:
    sel = selector or {}
    labels = sel.get("matchLabels")
    exprs = sel.get("matchExpressions")
    expr_text = "[]v1.LabelSelectorRequirement(nil)"
    if exprs:
        parts = [
            f'v1.LabelSelectorRequirement{{Key:"{e.get("key")}", '
            f'Operator:"{e.get("operator")}", Values:[]string{{'
            + ", ".join(json.dumps(v) for v in e.get("values") or [])
            + "}}"
            for e in exprs
        ]
        expr_text = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return f"v1.LabelSelector{{MatchLabels:{go_map(labels)}, MatchExpressions:{expr_text}}}"


def default_workload(obj: Obj, *, replicas: bool = True) -> Obj:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return {}
    if replicas and spec.get("replicas") is None:
        spec["replicas"] = 1
    default_template(spec.get("template"))
    return spec


def validate_template_and_selector(
    spec: Mapping[str, Any], kind: str, restart_policies: tuple[str, ...] = ("Always",)
) -> list[FieldError]:
    """Selector present and non-empty, template labels selected by it, a valid pod spec."""
    errors: list[FieldError] = []
    selector = spec.get("selector")
    template = spec.get("template") if isinstance(spec.get("template"), Mapping) else None
    labels = ((template or {}).get("metadata") or {}).get("labels") or {}
    if selector is None:
        errors.append(required("spec.selector"))
    elif not (selector.get("matchLabels") or selector.get("matchExpressions")):
        errors.append(
            invalid(
                "spec.selector",
                GoValue(go_label_selector(selector)),
                f"empty selector is invalid for {kind}",
            )
        )
    elif template is not None and not selector_matches(selector, labels):
        errors.append(
            invalid(
                "spec.template.metadata.labels",
                GoValue(go_map(labels)),
                "`selector` does not match template `labels`",
            )
        )
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(invalid("spec.replicas", replicas, "must be greater than or equal to 0"))
    if template is None:
        errors.append(required("spec.template"))
    else:
        pod_spec = template.get("spec") or {}
        errors.extend(validate_pod_spec(pod_spec, "spec.template.spec"))
        policy = pod_spec.get("restartPolicy")
        if policy and policy not in restart_policies:
            errors.append(
                not_supported("spec.template.spec.restartPolicy", policy, restart_policies)
            )
    return errors


def selector_immutable(new: Mapping[str, Any], old: Mapping[str, Any]) -> list[FieldError]:
    new_sel = (new.get("spec") or {}).get("selector")
    old_sel = (old.get("spec") or {}).get("selector")
    if new_sel != old_sel:
        return [invalid("spec.selector", GoValue(go_label_selector(new_sel)), "field is immutable")]
    return []


def apps_validators(kind: str) -> tuple[CreateHook, UpdateHook]:
    """`validate_create` and `validate_update` of an apps/v1 controller whose spec is a pod
    template and a selector (Deployment, ReplicaSet, DaemonSet: `ValidateDeploymentSpec` and its
    siblings in `pkg/apis/apps/validation/validation.go`); the selector cannot change."""
    what = kind.lower()

    def validate_create(obj: Obj, store: Store) -> None:
        name = str((obj.get("metadata") or {}).get("name", ""))
        raise_invalid(
            kind, name, validate_template_and_selector(obj.get("spec") or {}, what), "apps"
        )

    def validate_update(new: Obj, old: Obj, store: Store) -> None:
        if new.get("spec") == old.get("spec"):
            return
        name = str((new.get("metadata") or {}).get("name", ""))
        errors = validate_template_and_selector(new.get("spec") or {}, what)
        raise_invalid(kind, name, selector_immutable(new, old) + errors, "apps")

    return validate_create, validate_update
