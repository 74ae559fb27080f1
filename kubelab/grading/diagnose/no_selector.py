"""A Service without a selector has no endpoints unless someone writes them."""

from __future__ import annotations

from kubelab.grading.diagnose.facts import ServiceFacts


def rule(facts: ServiceFacts) -> str | None:
    if facts.service is None or facts.selector:
        return None
    if (facts.service.get("spec") or {}).get("type") == "ExternalName":
        return None
    if any(s.get("endpoints") for s in facts.endpoint_slices):
        return None
    return (
        f"Service {facts.name} has no selector, so no controller gives it endpoints: add a "
        f"selector, or create an EndpointSlice labelled kubernetes.io/service-name={facts.name} "
        "with the backend's addresses"
    )
