"""The Service environment variables the kubelet gives a container when it starts.

`pkg/kubelet/kubelet_pods.go` (getServiceEnvVarMap) and `pkg/kubelet/envvars/envvars.go`
(FromServices): only Services that exist at that moment, in the pod's namespace (all of them only
with `enableServiceLinks`), plus `kubernetes` from `default` always; headless and ExternalName
Services have no clusterIP and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kubelab.sim.store import Store

MASTER_SERVICES = frozenset({"kubernetes"})


def env_name(name: str) -> str:
    """`my-nginx` -> `MY_NGINX`."""
    return name.replace("-", "_").upper()


def _ip_set(spec: Mapping[str, Any]) -> bool:
    ip = spec.get("clusterIP")
    return bool(ip) and ip != "None"


def visible_services(
    services: Iterable[Mapping[str, Any]], namespace: str, enable_service_links: bool
) -> list[Mapping[str, Any]]:
    """The Services whose variables a container in `namespace` gets, by name."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for svc in services:
        meta = svc.get("metadata") or {}
        spec = svc.get("spec") or {}
        if not _ip_set(spec):
            continue
        name = str(meta.get("name", ""))
        ns = meta.get("namespace")
        if ns == "default" and name in MASTER_SERVICES:
            chosen.setdefault(name, svc)
        elif ns == namespace and enable_service_links:
            chosen[name] = svc
    return [chosen[name] for name in sorted(chosen)]


def from_services(services: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """FromServices: the variables of each Service, in the kubelet's order."""
    result: list[tuple[str, str]] = []
    for svc in services:
        spec = svc.get("spec") or {}
        if not _ip_set(spec):
            continue
        ports = [p for p in spec.get("ports") or [] if isinstance(p, Mapping)]
        if not ports:
            continue
        prefix = env_name(str((svc.get("metadata") or {}).get("name", "")))
        ip = str(spec["clusterIP"])
        result.append((f"{prefix}_SERVICE_HOST", ip))
        result.append((f"{prefix}_SERVICE_PORT", str(ports[0].get("port"))))
        for port in ports:
            if port.get("name"):
                result.append(
                    (f"{prefix}_SERVICE_PORT_{env_name(str(port['name']))}", str(port.get("port")))
                )
        for i, port in enumerate(ports):
            protocol = str(port.get("protocol") or "TCP")
            number = port.get("port")
            host_port = f"[{ip}]:{number}" if ":" in ip else f"{ip}:{number}"
            url = f"{protocol.lower()}://{host_port}"
            if i == 0:
                result.append((f"{prefix}_PORT", url))
            port_prefix = f"{prefix}_PORT_{number}_{protocol.upper()}"
            result.append((port_prefix, url))
            result.append((f"{port_prefix}_PROTO", protocol.lower()))
            result.append((f"{port_prefix}_PORT", str(number)))
            result.append((f"{port_prefix}_ADDR", ip))
    return result


def service_env(
    services: Iterable[Mapping[str, Any]], namespace: str, enable_service_links: bool = True
) -> list[tuple[str, str]]:
    """The Service variables for a container starting now in `namespace`."""
    return from_services(visible_services(services, namespace, enable_service_links))


def container_env(
    container: Mapping[str, Any], service_vars: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The container's own `env` values (literal ones), then Service variables it does not set."""
    own: list[tuple[str, str]] = []
    names: set[str] = set()
    for item in container.get("env") or []:
        if isinstance(item, Mapping) and item.get("name"):
            name = str(item["name"])
            if name in names:
                continue
            names.add(name)
            own.append((name, str(item.get("value", ""))))
    return own + [(k, v) for k, v in service_vars if k not in names]


# --- where the kubelet keeps a container's environment for the data plane ------------------


def env_key(namespace: str, pod: str, container: str) -> str:
    """The runtime-table key (under `ns/<namespace>/` so deleting the namespace drops it)."""
    return f"ns/{namespace}/env/{pod}/{container}"


def store_env(
    store: Store, namespace: str, pod: str, container: str, env: list[tuple[str, str]]
) -> None:
    store.runtime_set(env_key(namespace, pod, container), [[k, v] for k, v in env])


def clear_env(store: Store, namespace: str, pod: str) -> None:
    for key in store.runtime_keys(f"ns/{namespace}/env/{pod}/"):
        store.runtime_delete(key)
