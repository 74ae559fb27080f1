"""`assert`: an object matches a partial object (chainsaw/kuttl semantics)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from kubelab.lessons.checks.base import CheckBase, ObjectRef


class Spec(CheckBase):
    """Maps match as subsets; arrays exactly and in order; a key in parentheses is a JMESPath
    expression evaluated on the enclosing object, whose result must equal the value.

    `any_of` lists alternatives (e.g. `targetPort: 8080` or `targetPort: http`): the object must
    match `match` (when given) and at least one of them."""

    kind: Literal["assert"]
    object: ObjectRef
    match: dict[str, Any] | None = Field(default=None, description="the partial object expected")
    any_of: list[dict[str, Any]] | None = Field(
        default=None,
        min_length=2,
        description="alternative partial objects: at least one must match (besides 'match')",
    )

    @model_validator(mode="after")
    def _something_to_match(self) -> Spec:
        if self.match is None and self.any_of is None:
            raise ValueError("give 'match', 'any_of' or both")
        return self

    def alternatives(self) -> list[dict[str, Any]]:
        """The partial objects one of which the object must match, `match` merged into each."""
        common = self.match or {}
        if not self.any_of:
            return [common]
        return [merge_partial(common, alternative) for alternative in self.any_of]


def merge_partial(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra` laid over it, maps merged key by key (arrays and scalars replaced)."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_partial(merged[key], value)
        else:
            merged[key] = value
    return merged
