"""Small formatting helpers shared by the workload and Service printers (`printers.go`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubelab.sim.registry import Column

NAME = Column(
    "Name",
    "string",
    "name",
    0,
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name automatically. "
    "Name is primarily intended for creation idempotence and configuration definition. Cannot be "
    "updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
)
AGE = Column(
    "Age",
    "string",
    "",
    0,
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
)
CONTAINERS = Column("Containers", "string", "", 1, "Names of each container in the template.")
IMAGES = Column("Images", "string", "", 1, "Images referenced by each container in the template.")
SELECTOR = Column(
    "Selector",
    "string",
    "",
    1,
    "A label query over pods that should match the replica count. It must match the pod "
    "template's labels.",
)


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """labels.FormatLabels: `a=b,c=d` (sorted), `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """metav1.FormatLabelSelector: matchLabels then matchExpressions, `<none>` when empty."""
    if selector is None:
        return "<none>"
    parts: list[str] = []
    match_labels = selector.get("matchLabels") or {}
    for key in sorted(match_labels):
        parts.append(f"{key}={match_labels[key]}")
    for expr in selector.get("matchExpressions") or []:
        op = str(expr.get("operator", ""))
        key = str(expr.get("key", ""))
        values = expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    text = ",".join(parts)
    return text or "<none>"


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, Any] | None) -> bool:
    """Does a LabelSelector (matchLabels/matchExpressions) select these labels? Empty: all."""
    if selector is None:
        return False
    have = labels or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if have.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key = expr.get("key")
        op = expr.get("operator")
        values = expr.get("values") or []
        if op == "In" and have.get(key) not in values:
            return False
        if op == "NotIn" and key in have and have.get(key) in values:
            return False
        if op == "Exists" and key not in have:
            return False
        if op == "DoesNotExist" and key in have:
            return False
    return True


def map_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, Any] | None) -> bool:
    """A Service/RC selector (plain map): every pair present. None or empty selects nothing."""
    if not selector:
        return False
    have = labels or {}
    return all(have.get(k) == v for k, v in selector.items())


def template_containers(template: Mapping[str, Any] | None) -> Sequence[Mapping[str, Any]]:
    spec = (template or {}).get("spec") or {}
    return [c for c in spec.get("containers") or [] if isinstance(c, Mapping)]


def container_names(template: Mapping[str, Any] | None) -> str:
    return ",".join(str(c.get("name", "")) for c in template_containers(template))


def container_images(template: Mapping[str, Any] | None) -> str:
    return ",".join(str(c.get("image", "")) for c in template_containers(template))
