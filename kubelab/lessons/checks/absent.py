"""`absent`: no object matches."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kubelab.lessons.checks.base import CheckBase, ObjectRef


class Spec(CheckBase):
    """Passes when no object with that name/selector exists (or none of them matches `match`)."""

    kind: Literal["absent"]
    object: ObjectRef
    match: dict[str, Any] | None = Field(default=None, description="optional partial object")
