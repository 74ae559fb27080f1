"""Diagnosis: when a check about a Service fails, name the likely cause.

Each rule is a small module with `rule(facts: ServiceFacts) -> str | None`, listed in `RULES`; the
facts (the Service, the namespace's pods and Services, same-named Services elsewhere) are gathered
once per failed check, so rules are pure functions, each with its own test.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError
from kubelab.grading.checks import REGISTRY
from kubelab.grading.checks.kind import ServiceTarget
from kubelab.grading.context import CheckContext
from kubelab.grading.diagnose import (
    no_selector,
    other_namespace,
    pods_not_ready,
    selector_no_pods,
    target_port,
    typo_name,
)
from kubelab.grading.diagnose.facts import ServiceFacts
from kubelab.lessons.checks.base import CheckBase

Rule = Callable[[ServiceFacts], str | None]

RULES: list[Rule] = [
    other_namespace.rule,
    typo_name.rule,
    selector_no_pods.rule,
    no_selector.rule,
    pods_not_ready.rule,
    target_port.rule,
]


def service_of(spec: CheckBase) -> ServiceTarget | None:
    """The Service a check is about (name, namespace or None for the lab's), if any: what its
    kind's `service_of` says."""
    return REGISTRY[spec.kind].service_of(spec)


def _other_labs(ctx: CheckContext, own: str) -> set[str] | None:
    """Namespaces of other kubelab labs (other learners, other gradings and self-tests), which a
    learner's diagnosis must never name; None when they cannot be listed."""
    try:
        labs = ctx.client.list(
            "v1", "Namespace", None, {MANAGED_BY_LABEL: MANAGED_BY_VALUE}, all_namespaces=True
        )
    except ClusterError:
        return None
    names = {str((ns.get("metadata") or {}).get("name")) for ns in labs}
    return names - {own, ctx.namespace}


def _everywhere(
    ctx: CheckContext, kind: str, own: str, selector: dict[str, str] | None = None
) -> list[Any]:
    """Objects of `kind` in every namespace but other learners' labs; empty when this user may
    not list them all (or kubelab cannot tell which namespaces are other labs)."""
    hidden = _other_labs(ctx, own)
    if hidden is None:
        return []
    try:
        found = ctx.client.list("v1", kind, None, selector, all_namespaces=True)
    except ClusterError:
        return []
    return [obj for obj in found if (obj.get("metadata") or {}).get("namespace") not in hidden]


def gather(ctx: CheckContext, name: str, namespace: str) -> ServiceFacts:
    client = ctx.client
    service = client.get("v1", "Service", name, namespace)
    pods = client.list("v1", "Pod", namespace)
    services = client.list("v1", "Service", namespace)
    facts = ServiceFacts(name, namespace, service, pods, services)
    if service is None:
        elsewhere = [
            s
            for s in _everywhere(ctx, "Service", namespace)
            if (s.get("metadata") or {}).get("name") == name
        ]
        return dataclasses.replace(facts, elsewhere=elsewhere)
    if facts.selector and not facts.selected_pods:
        pods_elsewhere = [
            p
            for p in _everywhere(ctx, "Pod", namespace, facts.selector)
            if (p.get("metadata") or {}).get("namespace") != namespace
        ]
        return dataclasses.replace(facts, pods_elsewhere=pods_elsewhere)
    if not facts.selector:
        slices = client.list(
            "discovery.k8s.io/v1",
            "EndpointSlice",
            namespace,
            {"kubernetes.io/service-name": name},
        )
        return dataclasses.replace(facts, endpoint_slices=slices)
    return facts


def diagnose_facts(facts: ServiceFacts) -> list[str]:
    found = [rule(facts) for rule in RULES]
    return [text for text in found if text]


def diagnose_check(spec: CheckBase, ctx: CheckContext) -> list[str]:
    """Likely causes of a failed check (empty when no rule applies or it is not about a Service)."""
    target = service_of(spec)
    if target is None:
        return []
    name, namespace = target
    try:
        facts = gather(ctx, name, namespace or ctx.namespace)
    except ClusterError as exc:
        return [f"(no diagnosis: the cluster did not answer: {exc})"]
    return diagnose_facts(facts)
