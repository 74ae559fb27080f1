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
    # Pods in the Service's own namespace come first: their labels are what the learner most
    # likely mistyped; pods elsewhere (another namespace) are only a second clue.
    also = (
        f"pods with those labels exist in namespace {', '.join(elsewhere)}, not in "
        f"{facts.namespace}: a Service only selects pods in its own namespace"
        if elsewhere
        else ""
    )
    if not pods:
        if also:
            return f"Service {facts.name} selects {wanted}; {also}"
        return (
            f"Service {facts.name} selects {wanted}, but there are no pods in namespace "
            f"{facts.namespace} at all"
        )
    seen = Counter(labels_text((p.get("metadata") or {}).get("labels")) for p in pods)
    have = "; ".join(
        f"{labels} ({count} pod{'s' if count > 1 else ''})" for labels, count in seen.most_common(4)
    )
    message = (
        f"Service {facts.name} selects {wanted}, but no pod in namespace {facts.namespace} has "
        f"those labels; the pods have: {have}"
    )
    return f"{message}. Also, {also}" if also else message
