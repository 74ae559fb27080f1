"""core/v1 Endpoints (deprecated since 1.33: every request carries the Warning)."""

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


DEPRECATION = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
PROTOCOLS = ("SCTP", "TCP", "UDP")


def format_endpoints(ep: Obj, max_shown: int = 3) -> str:
    """formatEndpoints: `ip:port` entries, at most three, then ` + N more...`."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    more = False
    count = 0
    for subset in subsets:
        addresses = [a for a in subset.get("addresses") or [] if isinstance(a, dict)]
        ports = [p for p in subset.get("ports") or [] if isinstance(p, dict)]
        if not ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == max_shown:
                    more = True
                    break
                shown.append(str(address.get("ip", "")))
            continue
        for port in ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == max_shown:
                    more = True
                    break
                ip = str(address.get("ip", ""))
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(f"{host}:{port.get('port')}")
    text = ",".join(shown)
    if more:
        return f"{text} + {count - max_shown} more..."
    return text


def endpoints_row(ep: Obj) -> list[Cell]:
    meta = ep.get("metadata") or {}
    return [meta.get("name", ""), format_endpoints(ep), age(meta.get("creationTimestamp"))]


def _valid_ip(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def validate_endpoints(ep: Obj) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, subset in enumerate(ep.get("subsets") or []):
        path = f"subsets[{i}]"
        if not isinstance(subset, dict):
            errors.append(invalid(path, str(subset), "must be an object"))
            continue
        for kind in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(subset.get(kind) or []):
                ip = address.get("ip") if isinstance(address, dict) else None
                if not ip:
                    errors.append(required(f"{path}.{kind}[{j}].ip"))
                elif not _valid_ip(ip):
                    errors.append(invalid(f"{path}.{kind}[{j}].ip", ip, IP_MSG))
        ports = [p if isinstance(p, dict) else {} for p in subset.get("ports") or []]
        for j, port in enumerate(ports):
            ppath = f"{path}.ports[{j}]"
            if len(ports) > 1 and not port.get("name"):
                errors.append(required(f"{ppath}.name"))
            number = port.get("port")
            if not isinstance(number, int) or not 1 <= number <= 65535:
                errors.append(
                    invalid(
                        f"{ppath}.port",
                        number if number is not None else 0,
                        "must be between 1 and 65535, inclusive",
                    )
                )
            protocol = port.get("protocol")
            if protocol and protocol not in PROTOCOLS:
                errors.append(not_supported(f"{ppath}.protocol", protocol, PROTOCOLS))
    return errors


def defaults(ep: Obj, store: Store) -> None:
    for subset in ep.get("subsets") or []:
        if isinstance(subset, dict):
            for port in subset.get("ports") or []:
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"


def validate_create(ep: Obj, store: Store) -> None:
    name = str((ep.get("metadata") or {}).get("name", ""))
    raise_invalid("Endpoints", name, validate_endpoints(ep))


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    validate_create(new, store)


TYPES = (
    ResourceType(
        group="",
        version="v1",
        kind="Endpoints",
        plural="endpoints",
        singular="endpoints",
        namespaced=True,
        short_names=("ep",),
        columns=(
            NAME,
            Column("Endpoints", "string", "", 0, "Endpoints is the list of endpoints."),
            AGE,
        ),
        row=endpoints_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
        warning=DEPRECATION,
        has_spec=False,
    ),
)
