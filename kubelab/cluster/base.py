"""The provider interface: what every lab cluster (kind, an existing context, the simulator) offers.

A provider provisions a cluster (idempotently: it reuses what is already there), reports its status
and tears it down. What it hands back is a `LabCluster`: where its kubeconfig is, which context and
lab namespace to use, what it can do (`capabilities`), and how a NodePort or LoadBalancer Service is
reached from the learner's own machine (`host_endpoint`).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from kubelab.objects import Obj

CAPABILITIES: Final = frozenset({"loadbalancer", "nodeport-from-host", "multi-node"})
"""Every capability a provider may declare (the lesson format's `requires` uses the same names)."""

CAPABILITY_MISSING_REASONS: Final[Mapping[str, str]] = {
    "loadbalancer": "this cluster has no LoadBalancer implementation",
    "nodeport-from-host": "NodePorts of this cluster are not reachable from this machine",
    "multi-node": "this cluster has a single node",
}

MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE: Final = "kubelab"
HOST_PORTS_PATH: Final = "/kubelab.dev/v1/host-ports"
"""Where the simulator's API server says where the host serves each Service's NodePorts and
load balancer ports (a `HostPortList`; a real cluster keeps no such bookkeeping in objects)."""
LAB_LABEL: Final = "kubelab.dev/lab"
"""On a lesson's namespace: the lab namespace it belongs to (what `kubelab down` deletes with
the lab namespace of a borrowed context)."""

Progress = Callable[[str], None]
Via = Literal["nodePort", "loadBalancer"]
Confirm = Callable[[str], bool]
"""Asks the user a yes/no question about changing a cluster kubelab did not create."""

SPEC_HELP: Final = "auto, sim, kind, kind:NAME or context:NAME"
"""The `--cluster` values, as help texts and error hints show them."""


def no_progress(message: str) -> None:
    """A progress callback that shows nothing."""


class ClusterError(Exception):
    """A problem with the lab cluster the user can act on: a message and, often, a hint."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nhint: {self.hint}"
        return self.message


class ClusterUnreachable(ClusterError):
    """The cluster's API server does not answer (not running, wrong address, network)."""


class ConfirmationRequired(ClusterError):
    """kubelab would change a cluster it did not create, and the user has not said yes.

    `question` is what would have been asked (a full-screen app asks it in its own dialog and
    tries again with yes=True); None when the user was asked and said no."""

    def __init__(
        self, message: str, hint: str | None = None, *, question: str | None = None
    ) -> None:
        super().__init__(message, hint)
        self.question = question


class ClusterNotUp(ClusterError):
    """The lab cluster is not provisioned (a command that only uses it was run before `up`)."""


def not_up(spec: str, detail: str = "", *, up_options: str = "") -> ClusterNotUp:
    """The error for a cluster that is not up; `up_options` are extra `kubelab up` options."""
    return ClusterNotUp(
        f"the lab cluster {spec} is not up" + (f": {detail}" if detail else ""),
        hint=f"run `kubelab up --cluster {spec}{up_options}` first",
    )


@dataclass(frozen=True)
class LabCluster:
    """A provisioned lab cluster: everything the grader, the TUI and the learner's shell need.

    `host_ports_path` is the API server path at which the cluster (the simulator) says where it
    serves each NodePort/LoadBalancer port on the host; when set, what it says alone decides.

    `nodeport_host` is the host address where NodePorts appear on this machine (None when they do
    not); `nodeport_map` maps a nodePort to the host port it is published on when only some are
    published (kind's extraPortMappings), None when every nodePort is published as itself.
    """

    provider: str
    name: str
    kubeconfig: Path
    context: str
    namespace: str
    capabilities: frozenset[str] = frozenset()
    nodeport_host: str | None = None
    nodeport_map: Mapping[int, int] | None = field(default=None, compare=False)
    host_ports_path: str | None = None
    missing_reasons: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Why this cluster lacks a capability, where the provider knows better than the default."""

    @property
    def spec(self) -> str:
        """The `--cluster` value naming this cluster: `sim`, `kind:NAME`, `context:NAME`."""
        return "sim" if self.provider == "sim" else f"{self.provider}:{self.name}"

    def env(self) -> dict[str, str]:
        """Environment variables a shell (or kubectl) needs to use this cluster."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    def missing(self, required: list[str] | tuple[str, ...] | frozenset[str]) -> list[str]:
        """The capabilities in `required` this cluster lacks, with the reason for each."""
        reasons = {**CAPABILITY_MISSING_REASONS, **self.missing_reasons}
        return [
            f"{cap}: {reasons.get(cap, 'not supported by this cluster')}"
            for cap in required
            if cap not in self.capabilities
        ]

    def host_endpoint(
        self,
        service: Mapping[str, Any],
        port: int | str,
        via: Via = "nodePort",
        served: Sequence[Mapping[str, Any]] = (),
    ) -> tuple[str, int] | None:
        """How the learner's host reaches `port` (a Service port number or name) of `service`.

        `via` is "nodePort" (the port's nodePort on a node) or "loadBalancer" (the Service's
        load-balancer ingress). None when this cluster cannot expose it to the host (yet).
        `served` is what the cluster says it serves for this Service (`served_ports`), for a
        cluster with a `host_ports_path`.
        """
        service_port = _find_port(service, port)
        if service_port is None:
            return None
        if self.host_ports_path is not None:
            # the simulator says what it serves on the host: that is the whole truth
            return _served_address(served, service_port, via)
        if via == "nodePort":
            if "nodeport-from-host" not in self.capabilities or self.nodeport_host is None:
                return None
            node_port = service_port.get("nodePort")
            if not isinstance(node_port, int):
                return None
            if self.nodeport_map is None:
                return (self.nodeport_host, node_port)
            host_port = self.nodeport_map.get(node_port)
            return None if host_port is None else (self.nodeport_host, host_port)
        if "loadbalancer" not in self.capabilities:
            return None
        ingress = (service.get("status") or {}).get("loadBalancer", {}).get("ingress") or []
        for entry in ingress:
            address = entry.get("ip") or entry.get("hostname")
            if address:
                return (str(address), int(service_port["port"]))
        return None


def _find_port(service: Mapping[str, Any], port: int | str) -> Mapping[str, Any] | None:
    ports: list[Mapping[str, Any]] = (service.get("spec") or {}).get("ports") or []
    for candidate in ports:
        if isinstance(port, int) and candidate.get("port") == port:
            return candidate
        if isinstance(port, str) and (
            candidate.get("name") == port or str(candidate.get("port")) == port
        ):
            return candidate
    return None


def parse_host_addresses(value: str) -> list[tuple[str, int]]:
    """Read host addresses: JSON (a list of "host:port" strings or of objects with
    `host`/`port`), or "host:port" items separated by commas or spaces. Items that are not an
    address (a note such as "127.0.0.1:30080 in use") are skipped."""
    items: list[Any]
    try:
        parsed = json.loads(value)
    except ValueError:
        items = value.replace(",", " ").split()
    else:
        items = parsed if isinstance(parsed, list) else [parsed]
    found: list[tuple[str, int]] = []
    for item in items:
        if isinstance(item, dict):
            host = item.get("host") or item.get("address") or item.get("ip")
            port = item.get("port") or item.get("hostPort")
            if isinstance(host, str) and isinstance(port, int):
                found.append((host, port))
            continue
        if not isinstance(item, str) or ":" not in item:
            continue
        host, _, port_text = item.rpartition(":")
        if host and port_text.isdigit():
            found.append((host.strip("[]"), int(port_text)))
    return found


def served_ports(listing: Mapping[str, Any], namespace: str, name: str) -> list[Obj]:
    """The entries of a `HostPortList` (the answer at `host_ports_path`) for one Service: each
    `{"kind": "NodePort" | "LoadBalancer", "port", "protocol", "nodePort"?, "address" | "error"}`
    ([] when it has none or the answer is malformed)."""
    for item in listing.get("items") or []:
        if not isinstance(item, dict):
            continue
        if item.get("namespace") == namespace and item.get("name") == name:
            ports = item.get("ports")
            if isinstance(ports, list):
                return [e for e in ports if isinstance(e, dict) and "kind" in e]
    return []


def host_port_problem(
    service: Mapping[str, Any], port: int | str, via: Via, served: Sequence[Mapping[str, Any]]
) -> str | None:
    """Why the simulator could not serve `port` (a Service port number or name) of `service` on
    the host, if it says (`served_problem` of that port's number)."""
    found = _find_port(service, port)
    number = found.get("port") if found is not None else None
    return served_problem(served, number, via) if isinstance(number, int) else None


def served_problem(served: Sequence[Mapping[str, Any]], port: int, via: Via) -> str | None:
    """Why the simulator could not serve `port` on the host (its entry's error), if it says."""
    kind = "NodePort" if via == "nodePort" else "LoadBalancer"
    for entry in served:
        if entry.get("kind") == kind and entry.get("port") == port and entry.get("error"):
            return str(entry["error"])
    return None


def _served_address(
    served: Sequence[Mapping[str, Any]], service_port: Mapping[str, Any], via: Via
) -> tuple[str, int] | None:
    kind = "NodePort" if via == "nodePort" else "LoadBalancer"
    for entry in served:
        if entry.get("kind") != kind or entry.get("port") != service_port.get("port"):
            continue
        found = parse_host_addresses(str(entry.get("address") or ""))
        return found[0] if found else None
    return None


@dataclass(frozen=True)
class NodeStatus:
    name: str
    ready: bool
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExposedService:
    """A NodePort or LoadBalancer Service and where the host reaches it (None: not reachable)."""

    namespace: str
    name: str
    type: str
    port: int
    address: tuple[str, int] | None
    note: str = ""


@dataclass
class ClusterStatus:
    """What `kubelab status` prints."""

    provider: str
    name: str
    provisioned: bool
    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str | None = None
    api_reachable: bool = False
    server_version: str | None = None
    nodes: list[NodeStatus] = field(default_factory=list)
    exposed: list[ExposedService] = field(default_factory=list)
    capabilities: frozenset[str] = frozenset()
    problems: list[str] = field(default_factory=list)

    @property
    def nodes_ready(self) -> int:
        return sum(1 for node in self.nodes if node.ready)


def unknown_cluster(spec: str) -> ClusterError:
    return ClusterError(f"unknown cluster {spec!r}", hint=f"use {SPEC_HELP}")


@dataclass(frozen=True)
class ProviderOptions:
    """What `--namespace`, `--yes` and the way to ask the user give every provider."""

    namespace: str | None = None
    yes: bool = False
    confirm: Confirm | None = None
    """None: the provider's own default (refuse to change what kubelab did not create)."""


class Provider(ABC):
    """One kind of lab cluster. A new provider is one subclass of this, plus one line in
    `PROVIDERS` (`select.py`), which maps the `--cluster` prefix to the class."""

    #: short provider name: "sim", "kind", "context"
    kind: str = ""
    #: why this provider was chosen (set by `resolve_provider`), e.g. "auto picked the simulator:
    #: no `kind` binary on PATH"
    reason: str = ""

    @classmethod
    @abstractmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> Provider:
        """The provider for `--cluster KIND:NAME` (`name` may be empty: `--cluster KIND`).
        Raises ClusterError for a name or option this provider cannot use."""

    @classmethod
    def canonical_spec(cls, name: str, sep: str) -> str:
        """The form of `--cluster KIND{sep}{name}` remembered in the state dir (`kind` ->
        `kind:kubelab`); `name` is stripped, `sep` is ":" or "" (no name given)."""
        return f"{cls.kind}{sep}{name}"

    @property
    @abstractmethod
    def name(self) -> str:
        """The cluster's name (kind cluster name, context name, "kubelab" for the simulator)."""

    @property
    def spec(self) -> str:
        """The `--cluster` value that selects this cluster again (e.g. `kind:kubelab`)."""
        return f"{self.kind}:{self.name}"

    @property
    @abstractmethod
    def capabilities(self) -> frozenset[str]:
        """What this cluster can do, a subset of `CAPABILITIES`."""

    @abstractmethod
    def provision(self, progress: Progress = no_progress) -> LabCluster:
        """Make the cluster ready (reusing what is there) and describe it. Raises ClusterError."""

    def attach(self, progress: Progress = no_progress) -> LabCluster:
        """The cluster as it is, when it is up, changing nothing on it (what `kubelab grade`
        uses: grading never starts or creates a cluster). Raises ClusterError, with the hint to
        run `kubelab up`, when it is not up. Providers override this with a cheaper check; the
        default asks `status()` and then reuses the provisioned cluster."""
        state = self.status()
        if not state.provisioned:
            raise not_up(self.spec, "; ".join(state.problems))
        if not state.api_reachable:
            raise ClusterUnreachable(
                f"the lab cluster {self.spec} does not answer",
                hint=f"check it with `kubelab status`; `kubelab up --cluster {self.spec}` "
                "starts it again",
            )
        return self.provision(progress)

    @abstractmethod
    def status(self) -> ClusterStatus:
        """The cluster's current state, without changing anything."""

    @abstractmethod
    def teardown(self, progress: Progress = no_progress) -> None:
        """Remove what kubelab created (the cluster itself for sim/kind)."""

    def existing_kubeconfig(self) -> Path | None:
        """kubelab's kubeconfig for this cluster when it is provisioned, found without contacting
        the cluster (for `kubelab env`/`shell`); None when it is not up. The default asks
        `status()`; providers override it with a cheap local check."""
        state = self.status()
        if state.provisioned and state.kubeconfig is not None and state.kubeconfig.exists():
            return state.kubeconfig
        return None
