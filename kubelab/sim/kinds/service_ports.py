"""What ValidateService says about a Service's `spec.ports`: each port's own fields, then the
collisions between ports (`pkg/apis/core/validation/validation.go`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kubelab.sim.kinds.field_errors import (
    FieldError,
    GoValue,
    dns1123_label,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
)

PROTOCOLS = ("SCTP", "TCP", "UDP")
PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"
_PORT_NAME_RE = re.compile(r"^[-a-z0-9]+$")


def _port_name_errors(path: str, name: str) -> list[FieldError]:
    """IsValidPortName (a named targetPort)."""
    messages: list[str] = []
    if len(name) > 15:
        messages.append("must be no more than 15 characters")
    if not _PORT_NAME_RE.match(name):
        messages.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search(r"[a-z]", name):
        messages.append("must contain at least one letter (a-z)")
    if "--" in name:
        messages.append("must not contain consecutive hyphens")
    if name.startswith("-") or name.endswith("-"):
        messages.append("must not begin or end with a hyphen")
    return [invalid(path, name, m) for m in messages]


def _port_number_errors(path: str, value: object) -> list[FieldError]:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        return [invalid(path, value if value is not None else 0, PORT_RANGE_MSG)]
    return []


def _validate_port(
    port: Mapping[str, Any], require_name: bool, names: set[str], path: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    name = port.get("name") or ""
    if require_name and not name:
        errors.append(required(f"{path}.name"))
    elif name:
        errors.extend(dns1123_label(f"{path}.name", str(name)))
        if name in names:
            errors.append(duplicate(f"{path}.name", name))
        else:
            names.add(str(name))
    errors.extend(_port_number_errors(f"{path}.port", port.get("port", 0)))
    protocol = port.get("protocol") or ""
    if not protocol:
        errors.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        errors.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort")
    if isinstance(target, str):
        errors.extend(_port_name_errors(f"{path}.targetPort", target))
    else:
        errors.extend(_port_number_errors(f"{path}.targetPort", target))
    return errors


def port_field_errors(ports: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """Each port's name, number, protocol and targetPort; names are required when there are
    several ports, and unique."""
    names: set[str] = set()
    errors: list[FieldError] = []
    for i, port in enumerate(ports):
        errors.extend(_validate_port(port, len(ports) > 1, names, f"spec.ports[{i}]"))
    return errors


def port_collision_errors(kind: str, ports: Sequence[Mapping[str, Any]]) -> list[FieldError]:
    """A nodePort on a ClusterIP Service, then nodePorts and ports used twice per protocol."""
    errors: list[FieldError] = []
    if kind == "ClusterIP":
        for i, port in enumerate(ports):
            if port.get("nodePort"):
                errors.append(
                    forbidden(
                        f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"
                    )
                )
    seen_node: set[tuple[str, int]] = set()
    for i, port in enumerate(ports):
        node_port = port.get("nodePort")
        if not node_port:
            continue
        node_key = (str(port.get("protocol")), int(node_port))
        if node_key in seen_node:
            errors.append(duplicate(f"spec.ports[{i}].nodePort", node_port))
        seen_node.add(node_key)
    seen: set[tuple[str, object]] = set()
    for i, port in enumerate(ports):
        key = (str(port.get("protocol")), port.get("port"))
        if key in seen:
            errors.append(
                duplicate(
                    f"spec.ports[{i}]",
                    GoValue(
                        f'core.ServicePort{{Name:"", Protocol:"{key[0]}", '
                        f"AppProtocol:(*string)(nil), Port:{key[1]}, "
                        'TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
                    ),
                )
            )
        seen.add(key)
    return errors
