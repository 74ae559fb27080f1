"""`absent`: no object matches."""

from __future__ import annotations

from kubelab.grading.checks.kind import CheckKind
from kubelab.grading.context import CheckContext
from kubelab.grading.live import describe_ref, read_objects
from kubelab.grading.matcher import match
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.absent import Spec


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    objects = read_objects(spec.object, ctx)
    if spec.match is not None:
        objects = [obj for obj in objects if not match(spec.match, obj)]
    if not objects:
        return CheckOutcome.passed(f"no {describe_ref(spec.object, ctx)}")
    names = ", ".join(str(o.get("metadata", {}).get("name", "?")) for o in objects[:5])
    what = "matching the partial object " if spec.match is not None else ""
    return CheckOutcome.failed(
        f"{describe_ref(spec.object, ctx)} {what}still exists: {names}".replace("  ", " ")
    )


KIND = CheckKind(Spec, evaluate)
