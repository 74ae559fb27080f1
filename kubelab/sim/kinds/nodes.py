"""core/v1 Nodes (cluster-scoped)."""

from __future__ import annotations

from kubelab.sim.kinds.printer_helpers import AGE, NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age

ROLE_PREFIX = "node-role.kubernetes.io/"


def node_roles(labels: dict[str, str]) -> list[str]:
    """findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role` values."""
    roles: set[str] = set()
    for key, value in labels.items():
        if key.startswith(ROLE_PREFIX) and key[len(ROLE_PREFIX) :]:
            roles.add(key[len(ROLE_PREFIX) :])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _address(node: Obj, kind: str) -> str:
    for address in (node.get("status") or {}).get("addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address", ""))
    return "<none>"


def node_row(node: Obj) -> list[Cell]:
    meta = node.get("metadata") or {}
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    states: list[str] = []
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Ready":
            states.append("Ready" if condition.get("status") == "True" else "NotReady")
    if not states:
        states.append("Unknown")
    if spec.get("unschedulable"):
        states.append("SchedulingDisabled")
    info = status.get("nodeInfo") or {}
    return [
        meta.get("name", ""),
        ",".join(states),
        ",".join(node_roles(meta.get("labels") or {})) or "<none>",
        age(meta.get("creationTimestamp")),
        str(info.get("kubeletVersion", "")),
        _address(node, "InternalIP"),
        _address(node, "ExternalIP"),
        str(info.get("osImage") or "<unknown>"),
        str(info.get("kernelVersion") or "<unknown>"),
        str(info.get("containerRuntimeVersion") or "<unknown>"),
    ]


TYPES = (
    ResourceType(
        group="",
        version="v1",
        kind="Node",
        plural="nodes",
        singular="node",
        namespaced=False,
        short_names=("no",),
        subresources=("status",),
        # pkg/registry/core/node/strategy.go: PrepareForCreate keeps the status (a kubelet
        # registers its node with it); AllowUnconditionalUpdate is true.
        keeps_status_on_create=True,
        has_spec=False,  # no metadata.generation, as on a real server
        columns=(
            NAME,
            Column("Status", "string", "", 0, "The status of the node"),
            Column("Roles", "string", "", 0, "The roles of the node"),
            AGE,
            Column("Version", "string", "", 0, "Kubelet Version reported by the node."),
            Column("Internal-IP", "string", "", 1, "List of addresses reachable to the node."),
            Column("External-IP", "string", "", 1, "List of addresses reachable to the node."),
            Column(
                "OS-Image",
                "string",
                "",
                1,
                "OS Image reported by the node from /etc/os-release.",
            ),
            Column(
                "Kernel-Version",
                "string",
                "",
                1,
                "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
            ),
            Column(
                "Container-Runtime",
                "string",
                "",
                1,
                "Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
            ),
        ),
        row=node_row,
        field_selectors=("spec.unschedulable",),
    ),
)
