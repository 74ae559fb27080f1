"""`dns`: resolve a name from inside a pod."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from kubelab.lessons.checks.base import CheckBase, PodRef, StrictModel, Value


class DnsExpect(StrictModel):
    """Exactly one: the addresses (e.g. the Service's clusterIP, or every ready pod IP of a
    headless Service, as a live value), a CNAME target (ExternalName), or NXDOMAIN."""

    addresses: Value | None = None
    cname: str | None = None
    nxdomain: bool = False

    @model_validator(mode="after")
    def _one(self) -> DnsExpect:
        if sum([self.addresses is not None, self.cname is not None, self.nxdomain]) != 1:
            raise ValueError("give exactly one of 'addresses', 'cname' or 'nxdomain: true'")
        return self


class Spec(CheckBase):
    kind: Literal["dns"]
    query: str = Field(description="the name to resolve, e.g. my-nginx")
    from_: PodRef = Field(default_factory=lambda: PodRef(probe=True), alias="from")
    expect: DnsExpect
