"""`http`: GET a URL from inside the cluster (probe pod) or from the learner's host."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kubelab.lessons.checks.base import CheckBase, LiveValue, PodRef, StrictModel


class HostTarget(StrictModel):
    """Reach a Service from the host through what the cluster provider exposes."""

    service: str
    port: int | str = Field(description="the Service port (number or name)")
    via: Literal["nodePort", "loadBalancer"] = "nodePort"
    path: str = "/"


class HttpExpect(StrictModel):
    status: int = 200
    body_contains: list[str | LiveValue] = Field(
        default_factory=list,
        description="texts the body must contain; a live value is read when the check runs",
    )


class Spec(CheckBase):
    kind: Literal["http"]
    url: str | None = Field(default=None, description="fetched from inside the cluster")
    from_: PodRef = Field(default_factory=lambda: PodRef(probe=True), alias="from")
    host: HostTarget | None = Field(default=None, description="fetched from the learner's host")
    expect: HttpExpect = Field(default_factory=HttpExpect)

    @model_validator(mode="after")
    def _url_or_host(self) -> Spec:
        if (self.url is None) == (self.host is None):
            raise ValueError("give exactly one of 'url' (from a pod) or 'host' (from the host)")
        return self
