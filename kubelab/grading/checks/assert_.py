"""`assert`: an object matches a partial object (chainsaw/kuttl semantics)."""

from __future__ import annotations

from typing import Any

from kubelab.grading.checks.kind import CheckKind, ServiceTarget
from kubelab.grading.context import CheckContext
from kubelab.grading.live import describe_ref, read_objects
from kubelab.grading.matcher import Mismatch, diff, match
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.assert_ import Spec
from kubelab.objects import Obj


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    objects = read_objects(spec.object, ctx)
    if not objects:
        return CheckOutcome.failed(f"{describe_ref(spec.object, ctx)} not found")
    alternatives = spec.alternatives()
    # the closest miss: fewest mismatches over every object and alternative
    best: tuple[list[Mismatch], Obj, dict[str, Any]] | None = None
    for obj in objects:
        name = obj.get("metadata", {}).get("name", "?")
        for expected in alternatives:
            problems = match(expected, obj)
            if not problems:
                return CheckOutcome.passed(f"{spec.object.kind} {name} matches")
            if best is None or len(problems) < len(best[0]):
                best = (problems, obj, expected)
    assert best is not None
    problems, obj, expected = best
    name = obj.get("metadata", {}).get("name", "?")
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    prefix = "" if spec.object.name else f"none of {len(objects)} matching objects fits; closest: "
    if len(alternatives) > 1:
        prefix += f"none of the {len(alternatives)} alternatives fits; closest: "
    return CheckOutcome.failed(
        f"{prefix}{spec.object.kind} {name}: {shown}{more}", diff(expected, obj)
    )


def _service_of(spec: Spec) -> ServiceTarget | None:
    if spec.object.kind == "Service" and spec.object.name:
        return spec.object.name, spec.object.namespace
    return None


KIND = CheckKind(Spec, evaluate, service_of=_service_of)
