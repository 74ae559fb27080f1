"""`dns`: resolve a name from inside a pod."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from kubelab.grading.checks.base import CheckBase, PodRef, StrictModel, Value
from kubelab.grading.context import CheckContext
from kubelab.grading.live import resolve_value
from kubelab.grading.pods import run_in, target_pods
from kubelab.grading.results import CheckOutcome


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


@dataclass(frozen=True)
class Lookup:
    """What busybox `nslookup` answered (both the <=1.28 and the >=1.29 output formats)."""

    addresses: frozenset[str]
    cnames: tuple[str, ...]
    nxdomain: bool


_ADDRESS = re.compile(r"^Address(?:\s+\d+)?:\s*(\S+)")
_CNAME = re.compile(r"canonical name\s*=\s*(\S+?)\.?$")
_NOT_FOUND = ("NXDOMAIN", "can't resolve", "can't find")


def parse_nslookup(output: str) -> Lookup:
    addresses: set[str] = set()
    cnames: list[str] = []
    in_server_block = False
    for raw in output.splitlines():
        line = raw.strip()
        if not line:
            in_server_block = False
            continue
        if line.startswith("Server:"):
            in_server_block = True
            continue
        if in_server_block:
            continue
        found = _ADDRESS.match(line)
        if found:
            addresses.add(found.group(1))
            continue
        cname = _CNAME.search(line)
        if cname:
            cnames.append(cname.group(1))
    nxdomain = not addresses and not cnames and any(m in output for m in _NOT_FOUND)
    return Lookup(frozenset(addresses), tuple(cnames), nxdomain)


def _as_set(value: Any) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, list | tuple | set | frozenset):
        return {str(v) for v in value if v is not None}
    return {str(value)}


def _shown(values: set[str] | frozenset[str]) -> str:
    return ", ".join(sorted(values)) or "none"


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    target = target_pods(spec.from_, ctx)[0]
    ran = run_in(target, ["nslookup", spec.query], ctx, timeout=min(spec.timeout, 15.0))
    lookup = parse_nslookup(ran.output)
    where = f"nslookup {spec.query} in pod {target.name}"
    if spec.expect.nxdomain:
        if lookup.nxdomain or (ran.exit_code != 0 and not lookup.addresses):
            return CheckOutcome.passed(f"{where}: NXDOMAIN, as expected")
        return CheckOutcome.failed(
            f"{where}: resolved to {_shown(lookup.addresses)}, expected NXDOMAIN"
        )
    if lookup.nxdomain:
        return CheckOutcome.failed(f"{where}: NXDOMAIN (the name does not exist)")
    if spec.expect.cname is not None:
        want = spec.expect.cname.rstrip(".")
        if want in lookup.cnames:
            return CheckOutcome.passed(f"{where}: CNAME {want}")
        found = ", ".join(lookup.cnames) or "no CNAME"
        return CheckOutcome.failed(f"{where}: {found}, expected CNAME {want}")
    expected = _as_set(resolve_value(spec.expect.addresses, ctx))
    if not expected:
        return CheckOutcome.failed(f"{where}: the expected addresses are empty (not known yet)")
    if set(lookup.addresses) == expected:
        return CheckOutcome.passed(f"{where}: {_shown(lookup.addresses)}")
    if not lookup.addresses:
        detail = ran.output.strip().splitlines()[-1:] or ["no answer"]
        return CheckOutcome.failed(
            f"{where}: no address ({detail[0]}); expected {_shown(expected)}"
        )
    return CheckOutcome.failed(f"{where}: {_shown(lookup.addresses)}, expected {_shown(expected)}")
