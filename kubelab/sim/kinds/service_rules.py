"""What the API server does to a Service on create and update: defaults, allocation, validation.

Pure functions over plain dicts, following `pkg/apis/core/v1/defaults.go`,
`pkg/registry/core/service/storage/alloc.go` and `pkg/apis/core/validation/validation.go`.
Allocation runs before field validation (its errors come alone, as on a real cluster).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable, Mapping
from typing import Any

from kubelab.sim.kinds import service_allocation as alloc
from kubelab.sim.kinds.field_errors import (
    FieldError,
    GoValue,
    dns1035_label,
    dns1123_subdomain,
    forbidden,
    invalid,
    not_supported,
    required,
)
from kubelab.sim.kinds.service_ports import port_collision_errors, port_field_errors
from kubelab.sim.objects import Obj

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
AFFINITIES = ("ClientIP", "None")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def _spec(svc: Obj) -> Obj:
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        spec = {}
        svc["spec"] = spec
    return spec


def is_headless(spec: Mapping[str, Any]) -> bool:
    return spec.get("clusterIP") == "None"


# --- defaults -------------------------------------------------------------------------------


def default_service(svc: Obj) -> None:
    """SetDefaults_Service and the strategy's normalisation of clusterIP/clusterIPs."""
    spec = _spec(svc)
    spec.setdefault("type", "ClusterIP")
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "ClientIP" and not spec.get("sessionAffinityConfig"):
        spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    for port in spec.get("ports") or []:
        if not isinstance(port, dict):
            continue
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if kind != "ExternalName" and not spec.get("internalTrafficPolicy"):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    _normalize_cluster_ips(spec)


def _normalize_cluster_ips(spec: Obj) -> None:
    ip = spec.get("clusterIP")
    ips = spec.get("clusterIPs")
    if ip and not ips:
        spec["clusterIPs"] = [ip]
    elif ips and not ip and isinstance(ips, list):
        spec["clusterIP"] = ips[0]


def _default_families(spec: Obj) -> None:
    if spec.get("type") == "ExternalName":
        return
    if is_headless(spec) and not spec.get("selector"):
        spec.setdefault("ipFamilyPolicy", "RequireDualStack")
    else:
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]


# --- allocation -----------------------------------------------------------------------------


def _valid_ip(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _ip_errors(spec: Mapping[str, Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, ip in enumerate(spec.get("clusterIPs") or []):
        if ip == "None" and i == 0:
            continue
        if not _valid_ip(ip):
            errors.append(invalid(f"spec.clusterIPs[{i}]", ip, IP_MSG))
    return errors


def _others(services: Iterable[Obj], svc: Obj) -> list[Obj]:
    meta = svc.get("metadata") or {}
    key = (meta.get("namespace"), meta.get("name"))
    return [
        s
        for s in services
        if ((s.get("metadata") or {}).get("namespace"), (s.get("metadata") or {}).get("name"))
        != key
    ]


def allocate_on_create(
    svc: Obj, services: Iterable[Obj], rng: random.Random | None = None
) -> list[FieldError]:
    """Allocate the clusterIP and nodePorts of a new Service (mutates it); return the errors."""
    spec = _spec(svc)
    others = _others(services, svc)
    if alloc.needs_cluster_ip(spec):
        ip_errors = _ip_errors(spec)
        if ip_errors:
            return ip_errors
        errors = _allocate_ip(spec, alloc.used_cluster_ips(others), rng)
        if errors:
            return errors
        _default_families(spec)
    return _allocate_node_ports(spec, alloc.used_node_ports(others), set(), rng)


def _allocate_ip(spec: Obj, used: set[str], rng: random.Random | None) -> list[FieldError]:
    ip = spec.get("clusterIP")
    if ip == "None":
        return []
    if ip:
        problem = alloc.check_static_ip(str(ip), used)
        if problem:
            return [invalid("spec.clusterIPs", GoValue(_go_strings(spec["clusterIPs"])), problem)]
        return []
    chosen = alloc.allocate_ip(used, rng)
    spec["clusterIP"] = chosen
    spec["clusterIPs"] = [chosen]
    return []


def _go_strings(values: Iterable[object]) -> str:
    return "[]string{" + ", ".join(f'"{v}"' for v in values) + "}"


def _allocate_node_ports(
    spec: Obj, used: set[int], own: set[int], rng: random.Random | None
) -> list[FieldError]:
    """Check user-chosen nodePorts (not in `own`, the Service's previous ones), fill the rest."""
    if not alloc.needs_node_port(spec):
        return []
    ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
    taken = set(used)
    for i, port in enumerate(ports):
        node_port = port.get("nodePort")
        if isinstance(node_port, int) and node_port and node_port not in own:
            problem = alloc.check_static_port(node_port, used)
            if problem:
                return [invalid(f"spec.ports[{i}].nodePort", node_port, problem)]
            taken.add(node_port)
        elif isinstance(node_port, int) and node_port:
            taken.add(node_port)
    for port in ports:
        if not port.get("nodePort"):
            port["nodePort"] = alloc.allocate_port(taken, rng)
            taken.add(port["nodePort"])
    return []


def _node_ports(spec: Mapping[str, Any]) -> list[int]:
    return [int(p.get("nodePort") or 0) for p in spec.get("ports") or [] if isinstance(p, dict)]


def allocate_on_update(
    new: Obj, old: Obj, services: Iterable[Obj], rng: random.Random | None = None
) -> list[FieldError]:
    """Carry allocated values over, drop what the new type does not need, allocate the rest."""
    spec = _spec(new)
    old_spec = old.get("spec") or {}
    others = _others(services, new)
    _normalize_update(spec, old_spec)
    _patch_allocated_values(spec, old_spec)
    _drop_type_dependent_fields(spec, old_spec)
    if alloc.needs_cluster_ip(spec) and not alloc.needs_cluster_ip(old_spec):
        ip_errors = _ip_errors(spec)
        if ip_errors:
            return ip_errors
        errors = _allocate_ip(spec, alloc.used_cluster_ips(others), rng)
        if errors:
            return errors
    if alloc.needs_cluster_ip(spec):
        _default_families(spec)
    own = set(_node_ports(old_spec)) if alloc.needs_node_port(old_spec) else set()
    return _allocate_node_ports(spec, alloc.used_node_ports(others), own, rng)


def _normalize_update(spec: Obj, old: Mapping[str, Any]) -> None:
    """A changed clusterIP with untouched clusterIPs moves clusterIPs[0] along (and back)."""
    ips = spec.get("clusterIPs")
    if (
        spec.get("clusterIP") != old.get("clusterIP")
        and isinstance(ips, list)
        and ips == old.get("clusterIPs")
    ):
        if spec.get("clusterIP"):
            spec["clusterIPs"] = [spec["clusterIP"], *ips[1:]]
        else:
            spec.pop("clusterIPs", None)
    _normalize_cluster_ips(spec)


def _patch_allocated_values(spec: Obj, old: Mapping[str, Any]) -> None:
    if alloc.needs_cluster_ip(old) and alloc.needs_cluster_ip(spec):
        if not spec.get("clusterIP") and old.get("clusterIP"):
            spec["clusterIP"] = old["clusterIP"]
            spec["clusterIPs"] = list(old.get("clusterIPs") or [old["clusterIP"]])
        if not spec.get("ipFamilies") and old.get("ipFamilies"):
            spec["ipFamilies"] = list(old["ipFamilies"])
        if not spec.get("ipFamilyPolicy") and old.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = old["ipFamilyPolicy"]
    if alloc.needs_node_port(old) and alloc.needs_node_port(spec):
        new_ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
        used = set(_node_ports(old)) & set(_node_ports(spec))
        by_name = {p.get("name", ""): p.get("nodePort") for p in old.get("ports") or []}
        for port in new_ports:
            if not port.get("nodePort"):
                previous = by_name.get(port.get("name", ""))
                if previous and previous not in used:
                    port["nodePort"] = previous


def _drop_type_dependent_fields(spec: Obj, old: Mapping[str, Any]) -> None:
    if alloc.needs_cluster_ip(old) and not alloc.needs_cluster_ip(spec):
        if spec.get("clusterIPs") == old.get("clusterIPs") or (
            spec.get("clusterIP") == old.get("clusterIP")
        ):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if spec.get("ipFamilies") == old.get("ipFamilies"):
            spec.pop("ipFamilies", None)
        if spec.get("ipFamilyPolicy") == old.get("ipFamilyPolicy"):
            spec.pop("ipFamilyPolicy", None)
    if (
        alloc.needs_node_port(old)
        and not alloc.needs_node_port(spec)
        and _node_ports(spec) == _node_ports(old)
    ):
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.pop("nodePort", None)
    if (
        old.get("type") == "LoadBalancer"
        and spec.get("type") != "LoadBalancer"
        and spec.get("allocateLoadBalancerNodePorts") == old.get("allocateLoadBalancerNodePorts")
    ):
        spec.pop("allocateLoadBalancerNodePorts", None)
    external = ("NodePort", "LoadBalancer")
    if (
        old.get("type") in external
        and spec.get("type") not in external
        and spec.get("externalTrafficPolicy") == old.get("externalTrafficPolicy")
    ):
        spec.pop("externalTrafficPolicy", None)
    if spec.get("type") == "ExternalName":
        spec.pop("internalTrafficPolicy", None)
    elif not spec.get("internalTrafficPolicy"):
        spec["internalTrafficPolicy"] = "Cluster"
    if spec.get("type") in external and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


# --- validation -----------------------------------------------------------------------------


def validate_service(svc: Obj) -> list[FieldError]:
    """ValidateService: the field errors of a (defaulted, allocated) Service, in Go's order."""
    meta = svc.get("metadata") or {}
    spec = svc.get("spec") or {}
    errors: list[FieldError] = []
    name = meta.get("name")
    if isinstance(name, str) and name:
        errors.extend(dns1035_label("metadata.name", name))
    kind = spec.get("type") or ""
    ports = [p if isinstance(p, dict) else {} for p in spec.get("ports") or []]
    errors.extend(_type_specific_errors(spec, kind, ports))
    errors.extend(port_field_errors(ports))
    errors.extend(_affinity_errors(spec))
    if kind != "ExternalName":
        errors.extend(_ip_errors(spec))
    for i, ip in enumerate(spec.get("externalIPs") or []):
        if not _valid_ip(ip):
            errors.append(invalid(f"spec.externalIPs[{i}]", ip, IP_MSG))
    if not kind:
        errors.append(required("spec.type"))
    elif kind not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", kind, SERVICE_TYPES))
    errors.extend(port_collision_errors(kind, ports))
    for field in ("externalTrafficPolicy", "internalTrafficPolicy"):
        policy = spec.get(field)
        if policy and policy not in TRAFFIC_POLICIES:
            errors.append(not_supported(f"spec.{field}", policy, TRAFFIC_POLICIES))
    return errors


def _type_specific_errors(spec: Obj, kind: str, ports: list[Obj]) -> list[FieldError]:
    """What a Service's type asks of the rest: ports unless headless or ExternalName, no
    headless NodePort or LoadBalancer, no external kubelet port, an ExternalName's name."""
    errors: list[FieldError] = []
    headless = is_headless(spec)
    if not ports and not headless and kind != "ExternalName":
        errors.append(required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and headless:
        errors.append(
            invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services")
        )
    if kind == "LoadBalancer":
        for i, port in enumerate(ports):
            if port.get("port") == 10250:
                errors.append(
                    invalid(
                        f"spec.ports[{i}]",
                        10250,
                        "may not expose port 10250 externally since it is used by kubelet",
                    )
                )
    if kind == "ExternalName":
        if spec.get("clusterIPs") or spec.get("clusterIP"):
            errors.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            errors.extend(dns1123_subdomain("spec.externalName", cname))
        else:
            errors.append(required("spec.externalName"))
    return errors


def _affinity_errors(spec: Obj) -> list[FieldError]:
    """sessionAffinity is set and known, a ClientIP timeout within a day, no config for None."""
    affinity = spec.get("sessionAffinity") or ""
    if not affinity:
        return [required("spec.sessionAffinity")]
    if affinity not in AFFINITIES:
        return [not_supported("spec.sessionAffinity", affinity, AFFINITIES)]
    if affinity == "ClientIP":
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get(
            "timeoutSeconds"
        )
        if not isinstance(timeout, int) or not 0 < timeout <= 86400:
            return [
                invalid(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    timeout if timeout is not None else 0,
                    "must be greater than 0 and less than 86400",
                )
            ]
    elif spec.get("sessionAffinityConfig"):
        return [
            forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None")
        ]
    return []


def validate_service_update(new: Obj, old: Obj) -> list[FieldError]:
    """ValidateServiceUpdate: immutable clusterIPs, then the whole object."""
    errors: list[FieldError] = []
    spec = new.get("spec") or {}
    old_spec = old.get("spec") or {}
    if (
        alloc.needs_cluster_ip(spec)
        and alloc.needs_cluster_ip(old_spec)
        and old_spec.get("clusterIPs")
        and list(spec.get("clusterIPs") or []) != list(old_spec.get("clusterIPs") or [])
    ):
        errors.append(
            invalid(
                "spec.clusterIPs[0]",
                GoValue(_go_strings(spec.get("clusterIPs") or [])),
                "may not change once set",
            )
        )
    return errors + validate_service(new)


def service_warnings(svc: Mapping[str, Any]) -> list[str]:
    """GetWarningsForService."""
    spec = svc.get("spec") or {}
    warnings: list[str] = []
    if is_headless(spec):
        if spec.get("loadBalancerIP"):
            warnings.append("spec.loadBalancerIP is ignored for headless services")
        if spec.get("externalIPs"):
            warnings.append("spec.externalIPs is ignored for headless services")
        if spec.get("sessionAffinity", "None") != "None":
            warnings.append("spec.SessionAffinity is ignored for headless services")
    if spec.get("externalName") and spec.get("type") != "ExternalName":
        warnings.append('spec.externalName is ignored when spec.type is not "ExternalName"')
    return warnings
