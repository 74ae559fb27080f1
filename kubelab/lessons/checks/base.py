"""What every check kind's spec shares: the common fields of a check and the references checks use.

A check kind's spec is one module in this package defining a `Spec` (a pydantic model with a
`kind: Literal[...]` discriminator, subclassing `CheckBase`), listed in `SPECS` in `__init__.py`;
the lesson model builds its tagged union from that table. How a kind is graded lives in
`kubelab.grading.checks` (a `CheckKind` per kind), which this layer never imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Capability = Literal["loadbalancer", "nodeport-from-host", "multi-node"]


class StrictModel(BaseModel):
    """Base for every lesson-format model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ObjectRef(StrictModel):
    """One object by name, or every object matching a label selector (at least one must exist)."""

    api_version: str | None = Field(
        default=None,
        alias="apiVersion",
        description="e.g. v1, apps/v1, discovery.k8s.io/v1; defaults from the kind",
    )
    kind: str = Field(description="Kubernetes kind, e.g. Service, Pod, Deployment")
    name: str | None = Field(default=None, description="object name (or use selector)")
    selector: dict[str, str] | None = Field(
        default=None, description="label selector (equality); every matching object is considered"
    )
    namespace: str | None = Field(
        default=None, description="defaults to the lab namespace; ${namespace} is allowed"
    )

    @model_validator(mode="after")
    def _name_or_selector(self) -> ObjectRef:
        if (self.name is None) == (self.selector is None):
            raise ValueError("give exactly one of 'name' or 'selector'")
        return self


class LiveValue(StrictModel):
    """A value read from the live cluster when the check runs, so lessons never hard-code an IP.

    `path` is a JMESPath expression evaluated on the object (when `from` names one object) or on the
    list of matching objects (when `from` has a selector), e.g. `spec.clusterIP` or
    `[?status.phase=='Running'].status.podIP`.
    """

    from_: ObjectRef = Field(alias="from")
    path: str


# A literal value, a ${binding} string, or a value read from the cluster.
Value = str | int | float | bool | list[str] | LiveValue


class PodRef(StrictModel):
    """Which pod a check runs in: by name, by label selector (the first ready one), or the
    grader's probe pod (a small image with nslookup, wget and curl, created on demand)."""

    name: str | None = None
    selector: dict[str, str] | None = None
    probe: bool = Field(default=False, description="use the grader's probe pod")
    container: str | None = None
    namespace: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> PodRef:
        if sum([self.name is not None, self.selector is not None, self.probe]) != 1:
            raise ValueError("give exactly one of 'name', 'selector' or 'probe: true'")
        return self


class CheckBase(StrictModel):
    """Fields every check has."""

    if TYPE_CHECKING:
        # each kind's Spec declares `kind: Literal["..."]`, the discriminator; declared here for
        # the type checker only, so pydantic keeps each Spec's own field order
        kind: str

    name: str = Field(description="what the check verifies, shown in results")
    explain: str = Field(
        description="shown on failure: what to look at next (the field, the selector, the command)"
    )
    points: float = Field(
        default=1,
        gt=0,
        le=1000,
        description="what the check is worth in a grade's score (points earned / points "
        "possible); every check counts, so a failed check always lowers the score",
    )
    timeout: float = Field(
        default=10.0, gt=0, le=600, description="seconds to poll/watch before the check fails"
    )
    requires: list[Capability] = Field(
        default_factory=list,
        description="cluster capabilities this check needs; skipped (not failed) where missing",
    )
