"""The Service's selector matches no pod: say which labels the pods do have."""

from __future__ import annotations

from collections import Counter

from kubelab.grading.diagnose.facts import ServiceFacts, labels_text


def rule(facts: ServiceFacts) -> str | None:
    if facts.service is None or not facts.selector or facts.selected_pods:
        return None
    wanted = labels_text(facts.selector)
    pods = facts.learner_pods
    elsewhere = sorted(
        {str((p.get("metadata") or {}).get("namespace")) for p in facts.pods_elsewhere}
    )
    if elsewhere:
        return (
            f"Service {facts.name} selects {wanted}; pods with those labels exist in namespace "
            f"{', '.join(elsewhere)}, not in {facts.namespace}: a Service only selects pods in "
            "its own namespace"
        )
    if not pods:
        return (
            f"Service {facts.name} selects {wanted}, but there are no pods in namespace "
            f"{facts.namespace} at all"
        )
    seen = Counter(labels_text((p.get("metadata") or {}).get("labels")) for p in pods)
    have = "; ".join(
        f"{labels} ({count} pod{'s' if count > 1 else ''})" for labels, count in seen.most_common(4)
    )
    return (
        f"Service {facts.name} selects {wanted}, but no pod in namespace {facts.namespace} has "
        f"those labels; the pods have: {have}"
    )
