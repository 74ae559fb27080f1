"""`endpoints`: a Service has the ready endpoints expected."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kubelab.lessons.checks.base import CheckBase


class Spec(CheckBase):
    """Exactly `ready`, at least `min_ready`, or (`match_selector`) exactly the ready pods the
    Service's selector picks. Read from EndpointSlices, as `kubectl describe svc` does."""

    kind: Literal["endpoints"]
    service: str
    namespace: str | None = None
    ready: int | None = Field(default=None, ge=0)
    min_ready: int | None = Field(default=None, ge=0)
    match_selector: bool = False

    @model_validator(mode="after")
    def _one_expectation(self) -> Spec:
        given = [self.ready is not None, self.min_ready is not None, self.match_selector]
        if sum(given) != 1:
            raise ValueError("give exactly one of 'ready', 'min_ready' or 'match_selector: true'")
        return self
