"""core/v1 Services: printer columns, defaults, allocation and validation hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.kinds import service_rules
from kubelab.sim.kinds.field_errors import raise_invalid
from kubelab.sim.kinds.printer_helpers import AGE, NAME, format_labels
from kubelab.sim.names import DNS1035_LABEL
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

if TYPE_CHECKING:
    from kubelab.sim.store import Store


COLUMNS = (
    NAME,
    Column(
        "Type",
        "string",
        "",
        0,
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
        "ExternalName, ClusterIP, NodePort, and LoadBalancer.",
    ),
    Column(
        "Cluster-IP",
        "string",
        "",
        0,
        "clusterIP is the IP address of the service and is usually assigned randomly.",
    ),
    Column(
        "External-IP",
        "string",
        "",
        0,
        "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
        "traffic for this service.",
    ),
    Column("Port(s)", "string", "", 0, "The list of ports that are exposed by this service."),
    AGE,
    Column(
        "Selector",
        "string",
        "",
        1,
        "Route service traffic to pods with label keys and values matching this selector.",
    ),
)


def load_balancer_ips(status: Obj | None, wide: bool = True) -> str:
    """loadBalancerStatusStringer: ingress IPs or hostnames joined by `,`."""
    ingress = ((status or {}).get("loadBalancer") or {}).get("ingress") or []
    result = [str(i.get("ip") or i.get("hostname") or "") for i in ingress if isinstance(i, dict)]
    text = ",".join(r for r in result if r)
    if not wide and len(text) > 16:
        return text[:13] + "..."
    return text


def external_ip(svc: Obj) -> str:
    """getServiceExternalIP (wide, as the server prints tables)."""
    spec = svc.get("spec") or {}
    kind = spec.get("type")
    externals = [str(ip) for ip in spec.get("externalIPs") or []]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(externals) if externals else "<none>"
    if kind == "LoadBalancer":
        lb = load_balancer_ips(svc.get("status"))
        if externals:
            return ",".join([*(lb.split(",") if lb else []), *externals])
        return lb or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    return "<unknown>"


def port_string(ports: list[Obj]) -> str:
    """makePortString: `80/TCP`, `80:31704/TCP`, joined by `,`."""
    pieces = []
    for port in ports:
        if not isinstance(port, dict):
            continue
        if port.get("nodePort"):
            pieces.append(f"{port.get('port')}:{port['nodePort']}/{port.get('protocol', 'TCP')}")
        else:
            pieces.append(f"{port.get('port')}/{port.get('protocol', 'TCP')}")
    return ",".join(pieces)


def service_row(svc: Obj) -> list[Cell]:
    meta = svc.get("metadata") or {}
    spec = svc.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    internal = str(ips[0]) if ips else "<none>"
    ports = port_string(spec.get("ports") or []) or "<none>"
    return [
        meta.get("name", ""),
        str(spec.get("type", "")),
        internal,
        external_ip(svc),
        ports,
        age(meta.get("creationTimestamp")),
        format_labels(spec.get("selector")),
    ]


def _services(store: Store) -> list[Obj]:
    """Every stored Service, read-only (allocation only reads them)."""
    items: list[Obj] = store.list(store.registry.by_key("/services"), copy_items=False).items
    return items


def defaults(svc: Obj, store: Store) -> None:
    service_rules.default_service(svc)
    # ServiceStatus and its LoadBalancer are structs, not pointers (staging/src/k8s.io/api/
    # core/v1/types.go): a Service always serializes `status: {loadBalancer: {}}`.
    status = svc.get("status")
    if not isinstance(status, dict):
        status = svc["status"] = {}
    if not isinstance(status.get("loadBalancer"), dict):
        status["loadBalancer"] = {}


def validate_create(svc: Obj, store: Store) -> None:
    name = str((svc.get("metadata") or {}).get("name", ""))
    raise_invalid("Service", name, service_rules.allocate_on_create(svc, _services(store)))
    raise_invalid("Service", name, service_rules.validate_service(svc))


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    name = str((new.get("metadata") or {}).get("name", ""))
    if new.get("spec") == old.get("spec"):
        return
    raise_invalid("Service", name, service_rules.allocate_on_update(new, old, _services(store)))
    raise_invalid("Service", name, service_rules.validate_service_update(new, old))


TYPES = (
    ResourceType(
        group="",
        version="v1",
        kind="Service",
        plural="services",
        singular="service",
        namespaced=True,
        short_names=("svc",),
        categories=("all",),
        subresources=("status", "proxy"),
        columns=COLUMNS,
        row=service_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
        field_selectors=("spec.clusterIP", "spec.type"),
        has_spec=False,  # no metadata.generation, as on a real server
        warnings=service_rules.service_warnings,
        name_rule=DNS1035_LABEL,  # ValidateServiceName
        # pkg/registry/core/service/storage/storage.go: ReturnDeletedObject: true
        return_deleted_object=True,
    ),
)
