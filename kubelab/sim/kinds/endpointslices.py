"""discovery.k8s.io/v1 EndpointSlices."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from kubelab.sim.kinds.field_errors import (
    FieldError,
    invalid,
    not_supported,
    raise_invalid,
    required,
)
from kubelab.sim.kinds.printer_helpers import AGE, NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"


def _with_more(shown: list[str], more: bool, count: int, max_shown: int) -> str:
    text = ",".join(shown)
    if more:
        return f"{text} + {count - max_shown} more..."
    return text or "<unset>"


def format_ports(ports: list[Obj], max_shown: int = 3) -> str:
    shown: list[str] = []
    more = False
    count = 0
    for port in ports:
        if len(shown) < max_shown:
            if port.get("port") is not None:
                shown.append(str(port["port"]))
            elif port.get("name") is not None:
                shown.append(str(port["name"]))
            else:
                shown.append("*")
        elif len(shown) == max_shown:
            more = True
        count += 1
    return _with_more(shown, more, count, max_shown)


def format_endpoints(endpoints: list[Obj], max_shown: int = 3) -> str:
    shown: list[str] = []
    more = False
    count = 0
    for endpoint in endpoints:
        for address in endpoint.get("addresses") or []:
            if len(shown) < max_shown:
                shown.append(str(address))
            elif len(shown) == max_shown:
                more = True
            count += 1
    return _with_more(shown, more, count, max_shown)


def slice_row(obj: Obj) -> list[Cell]:
    meta = obj.get("metadata") or {}
    return [
        meta.get("name", ""),
        str(obj.get("addressType", "")),
        format_ports([p for p in obj.get("ports") or [] if isinstance(p, dict)]),
        format_endpoints([e for e in obj.get("endpoints") or [] if isinstance(e, dict)]),
        age(meta.get("creationTimestamp")),
    ]


def validate_slice(obj: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    address_type = obj.get("addressType")
    if not address_type:
        errors.append(required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errors.append(not_supported("addressType", address_type, ADDRESS_TYPES))
    for i, endpoint in enumerate(obj.get("endpoints") or []):
        addresses = endpoint.get("addresses") if isinstance(endpoint, dict) else None
        if not addresses:
            errors.append(required(f"endpoints[{i}].addresses"))
            continue
        for j, address in enumerate(addresses):
            if address_type in ("IPv4", "IPv6"):
                try:
                    parsed = ipaddress.ip_address(str(address))
                except ValueError:
                    parsed = None
                want = 4 if address_type == "IPv4" else 6
                if parsed is None or parsed.version != want:
                    errors.append(
                        invalid(
                            f"endpoints[{i}].addresses[{j}]",
                            address,
                            f"must be a valid {address_type} address",
                        )
                    )
    for i, port in enumerate(obj.get("ports") or []):
        number = port.get("port") if isinstance(port, dict) else None
        if number is not None and (not isinstance(number, int) or not 1 <= number <= 65535):
            errors.append(
                invalid(f"ports[{i}].port", number, "must be between 1 and 65535, inclusive")
            )
    return errors


def defaults(obj: Obj, store: Store) -> None:
    for port in obj.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("name", "")
    for endpoint in obj.get("endpoints") or []:
        if isinstance(endpoint, dict):
            conditions = endpoint.setdefault("conditions", {})
            if isinstance(conditions, dict):
                conditions.setdefault("ready", True)


def validate_create(obj: Obj, store: Store) -> None:
    name = str((obj.get("metadata") or {}).get("name", ""))
    raise_invalid("EndpointSlice", name, validate_slice(obj), "discovery.k8s.io")


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    name = str((new.get("metadata") or {}).get("name", ""))
    errors = validate_slice(new)
    if new.get("addressType") != old.get("addressType"):
        errors.insert(0, invalid("addressType", new.get("addressType"), "field is immutable"))
    raise_invalid("EndpointSlice", name, errors, "discovery.k8s.io")


TYPES = (
    ResourceType(
        group="discovery.k8s.io",
        version="v1",
        kind="EndpointSlice",
        plural="endpointslices",
        singular="endpointslice",
        namespaced=True,
        columns=(
            NAME,
            Column(
                "AddressType",
                "string",
                "",
                0,
                "addressType specifies the type of address carried by this EndpointSlice.",
            ),
            Column("Ports", "string", "", 0, "ports specifies the list of network ports."),
            Column("Endpoints", "string", "", 0, "endpoints is a list of unique endpoints."),
            AGE,
        ),
        row=slice_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
        has_spec=False,
    ),
)
