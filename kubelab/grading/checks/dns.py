"""`dns`: resolve a name from inside a pod."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kubelab.grading.checks.kind import CheckKind, ServiceTarget
from kubelab.grading.checks.targets import service_of_dns_name
from kubelab.grading.context import CheckContext
from kubelab.grading.live import resolve_value
from kubelab.grading.pods import run_in, target_pods
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.dns import Spec


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
            f"{where}: the name should not exist (NXDOMAIN); it resolves to "
            f"{_shown(lookup.addresses)}"
        )
    if lookup.nxdomain:
        return CheckOutcome.failed(f"{where}: NXDOMAIN (the name does not exist)")
    if spec.expect.cname is not None:
        want = spec.expect.cname.rstrip(".")
        if want in lookup.cnames:
            return CheckOutcome.passed(f"{where}: CNAME {want}")
        found = ", ".join(lookup.cnames) or "no CNAME"
        return CheckOutcome.failed(f"{where}: the name should be an alias (CNAME) of {want}; "
                                   f"it has {found}")  # fmt: skip
    expected = _as_set(resolve_value(spec.expect.addresses, ctx))
    if not expected:
        return CheckOutcome.failed(f"{where}: the expected addresses are empty (not known yet)")
    if set(lookup.addresses) == expected:
        return CheckOutcome.passed(f"{where}: {_shown(lookup.addresses)}")
    if not lookup.addresses:
        detail = ran.output.strip().splitlines()[-1:] or ["no answer"]
        return CheckOutcome.failed(
            f"{where}: should resolve to {_shown(expected)}; it gives no address ({detail[0]})"
        )
    return CheckOutcome.failed(
        f"{where}: should resolve to {_shown(expected)}; it resolves to {_shown(lookup.addresses)}"
    )


def _service_of(spec: Spec) -> ServiceTarget | None:
    return None if spec.expect.nxdomain else service_of_dns_name(spec.query)


KIND = CheckKind(Spec, evaluate, reads_service_path=True, service_of=_service_of)
