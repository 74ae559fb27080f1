"""`absent`: no object matches."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kubelab.grading.checks.base import CheckBase, ObjectRef
from kubelab.grading.context import CheckContext
from kubelab.grading.live import describe_ref, read_objects
from kubelab.grading.matcher import match
from kubelab.grading.results import CheckOutcome


class Spec(CheckBase):
    """Passes when no object with that name/selector exists (or none of them matches `match`)."""

    kind: Literal["absent"]
    object: ObjectRef
    match: dict[str, Any] | None = Field(default=None, description="optional partial object")


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
