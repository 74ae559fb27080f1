"""networking.k8s.io/v1 ServiceCIDRs: the ranges ClusterIPs come from (`kubectl get
servicecidrs` shows `kubernetes   10.96.0.0/16`, what the API server's
`--service-cluster-ip-range` configured). Validation as `ValidateServiceCIDR`/`...Update`."""

from __future__ import annotations

import ipaddress
from typing import Any

from kubelab.sim.kinds.field_errors import FieldError, invalid, raise_invalid, required
from kubelab.sim.kinds.printer_helpers import AGE, NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

GROUP = "networking.k8s.io"
CIDR_MESSAGE = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
IMMUTABLE = "field is immutable"


def servicecidr_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    cidrs = (obj.get("spec") or {}).get("cidrs") or []
    return [
        meta.get("name", ""),
        ",".join(str(c) for c in cidrs),
        age(meta.get("creationTimestamp")),
    ]


def _cidrs(obj: Obj) -> list[Any]:
    value = (obj.get("spec") or {}).get("cidrs")
    return list(value) if isinstance(value, list) else []


def validate_create(obj: Obj, store: Any) -> None:
    cidrs = _cidrs(obj)
    errors: list[FieldError] = []
    if not cidrs:
        errors.append(required("spec.cidrs", "at least one CIDR required"))
    elif len(cidrs) > 2:
        errors.append(invalid("spec.cidrs", obj.get("spec"), "may only hold up to 2 values"))
    else:
        for i, cidr in enumerate(cidrs):
            try:
                network = ipaddress.ip_network(str(cidr), strict=True)
                valid = isinstance(cidr, str) and str(network) == cidr
            except ValueError:
                valid = False
            if not valid:
                errors.append(invalid(f"spec.cidrs[{i}]", cidr, CIDR_MESSAGE))
    raise_invalid("ServiceCIDR", str(obj["metadata"].get("name", "")), errors, GROUP)


def validate_update(new: Obj, old: Obj, store: Any) -> None:
    before, after = _cidrs(old), _cidrs(new)
    errors: list[FieldError] = []
    if len(before) == len(after):
        errors += [
            invalid(f"spec.cidrs[{i}]", after[i], IMMUTABLE)
            for i in range(len(before))
            if before[i] != after[i]
        ]
    else:
        errors.append(invalid("spec.cidrs", new.get("spec"), IMMUTABLE))
    raise_invalid("ServiceCIDR", str(new["metadata"].get("name", "")), errors, GROUP)


TYPES = (
    ResourceType(
        group=GROUP,
        version="v1",
        kind="ServiceCIDR",
        plural="servicecidrs",
        singular="servicecidr",
        namespaced=False,
        subresources=("status",),
        columns=(
            NAME,
            Column("CIDRs", "string", "", 0, "cidrs defines the IP blocks in CIDR notation"),
            AGE,
        ),
        row=servicecidr_row,
        validate_create=validate_create,
        validate_update=validate_update,
    ),
)
