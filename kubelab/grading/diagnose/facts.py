"""The snapshot of the cluster diagnosis rules look at, gathered once per failed check."""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelab.grading.context import selector_matches
from kubelab.grading.probe import PROBE_NAME
from kubelab.objects import Obj


@dataclass(frozen=True)
class ServiceFacts:
    """What is known about the Service a failed check is about, and its surroundings."""

    name: str
    namespace: str
    service: Obj | None
    pods: list[Obj] = field(default_factory=list)
    services: list[Obj] = field(default_factory=list)
    elsewhere: list[Obj] = field(default_factory=list)
    pods_elsewhere: list[Obj] = field(default_factory=list)
    endpoint_slices: list[Obj] = field(default_factory=list)

    @property
    def selector(self) -> dict[str, str]:
        return dict(((self.service or {}).get("spec") or {}).get("selector") or {})

    @property
    def learner_pods(self) -> list[Obj]:
        """Pods in the namespace except the grader's own probe pod."""
        return [p for p in self.pods if (p.get("metadata") or {}).get("name") != PROBE_NAME]

    @property
    def selected_pods(self) -> list[Obj]:
        selector = self.selector
        if not selector:
            return []
        return [
            p
            for p in self.learner_pods
            if selector_matches(selector, (p.get("metadata") or {}).get("labels"))
        ]


def labels_text(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "(no labels)"


def pod_name(pod: Obj) -> str:
    return str((pod.get("metadata") or {}).get("name", "?"))
