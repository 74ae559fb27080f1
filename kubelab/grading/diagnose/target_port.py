"""A Service port's targetPort matches no port the selected pods' containers declare."""

from __future__ import annotations

from kubelab.grading.diagnose.facts import ServiceFacts
from kubelab.objects import Obj


def _container_ports(pods: list[Obj]) -> tuple[set[int], set[str]]:
    numbers: set[int] = set()
    names: set[str] = set()
    for pod in pods:
        for container in (pod.get("spec") or {}).get("containers") or []:
            for port in container.get("ports") or []:
                if isinstance(port.get("containerPort"), int):
                    numbers.add(port["containerPort"])
                if port.get("name"):
                    names.add(str(port["name"]))
    return numbers, names


def rule(facts: ServiceFacts) -> str | None:
    pods = facts.selected_pods
    if facts.service is None or not pods:
        return None
    numbers, names = _container_ports(pods)
    problems: list[str] = []
    for port in (facts.service.get("spec") or {}).get("ports") or []:
        target = port.get("targetPort", port.get("port"))
        label = f"port {port.get('port')}"
        if isinstance(target, str) and not target.isdigit():
            if target not in names:
                known = ", ".join(sorted(names)) or "none"
                problems.append(
                    f"{label} targets the named port {target!r}, which no selected container "
                    f"declares (named ports: {known})"
                )
        elif numbers and int(target) not in numbers:
            known = ", ".join(str(n) for n in sorted(numbers))
            problems.append(
                f"{label} targets {target}, but the selected containers listen on {known}"
            )
    if not problems:
        return None
    return f"Service {facts.name}: " + "; ".join(problems)
