"""`env`: a pod's environment has (or lacks) a variable."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kubelab.lessons.checks.base import CheckBase, PodRef, Value


class Spec(CheckBase):
    """With a selector, every ready pod matching it must satisfy the check."""

    kind: Literal["env"]
    pod: PodRef
    variable: str
    present: bool = True
    equals: Value | None = Field(default=None, description="expected value, literal or live")
