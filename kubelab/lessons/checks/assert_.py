"""`assert`: an object matches a partial object (chainsaw/kuttl semantics)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from kubelab.lessons.checks.base import CheckBase, ObjectRef


class Spec(CheckBase):
    """Maps match as subsets; arrays exactly and in order; a key in parentheses is a JMESPath
    expression evaluated on the enclosing object, whose result must equal the value."""

    kind: Literal["assert"]
    object: ObjectRef
    match: dict[str, Any] = Field(description="the partial object expected")
