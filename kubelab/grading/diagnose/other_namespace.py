"""The Service is missing here but exists in another namespace."""

from __future__ import annotations

from kubelab.grading.diagnose.facts import ServiceFacts


def rule(facts: ServiceFacts) -> str | None:
    if facts.service is not None:
        return None
    found = sorted(
        str((s.get("metadata") or {}).get("namespace"))
        for s in facts.elsewhere
        if (s.get("metadata") or {}).get("name") == facts.name
        and (s.get("metadata") or {}).get("namespace") != facts.namespace
    )
    if not found:
        return None
    return (
        f"Service {facts.name} is not in namespace {facts.namespace} but exists in "
        f"{', '.join(found)}: apply it with -n {facts.namespace} (or without -n: the lab's "
        f"context already uses {facts.namespace})"
    )
