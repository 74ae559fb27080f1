"""Reading what the data plane needs from Pod objects: identity, containers, state, files."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab.sim.dataplane.container import base_filesystem, resolv_for
from kubelab.sim.dataplane.images import Image, lookup
from kubelab.sim.dataplane.runtime import DataplaneRuntime
from kubelab.sim.dataplane.vfs import FileSystem

Obj = Mapping[str, Any]


def meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def uid(pod: Obj) -> str:
    return str(meta(pod).get("uid") or f"{meta(pod).get('namespace')}/{meta(pod).get('name')}")


def name(obj: Obj) -> str:
    return str(meta(obj).get("name", ""))


def namespace(obj: Obj) -> str:
    return str(meta(obj).get("namespace") or "default")


def pod_ip(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("podIP") or "")


def hostname(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    return str(spec.get("hostname") or name(pod))


def containers(pod: Obj) -> list[Mapping[str, Any]]:
    return [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, Mapping)]


def container(pod: Obj, container_name: str | None) -> Mapping[str, Any] | None:
    """The named container, or the first (default) one when no name is given."""
    cs = containers(pod)
    if not cs:
        return None
    if not container_name:
        annotations = meta(pod).get("annotations") or {}
        default = annotations.get("kubectl.kubernetes.io/default-container")
        if default:
            for c in cs:
                if c.get("name") == default:
                    return c
        return cs[0]
    for c in cs:
        if c.get("name") == container_name:
            return c
    for c in (pod.get("spec") or {}).get("ephemeralContainers") or []:
        if isinstance(c, Mapping) and c.get("name") == container_name:
            return c  # `kubectl debug`'s container
    return None


def image_of(c: Mapping[str, Any]) -> Image:
    return lookup(str(c.get("image") or ""))


def container_status(pod: Obj, container_name: str) -> Mapping[str, Any] | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "ephemeralContainerStatuses"):
        for st in status.get(key) or []:
            if isinstance(st, Mapping) and st.get("name") == container_name:
                return st
    return None


def is_running(pod: Obj, container_name: str | None = None) -> bool:
    """The pod runs (and the container, when named and its status is known, is running)."""
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or meta(pod).get("deletionTimestamp"):
        return False
    if container_name is None:
        return True
    st = container_status(pod, container_name)
    if st is None:
        return True
    return "running" in (st.get("state") or {})


def filesystem(runtime: DataplaneRuntime, pod: Obj, c: Mapping[str, Any]) -> FileSystem:
    """The container's files, kept for the container's lifetime."""
    key = (uid(pod), str(c.get("name", "")))
    fs = runtime.filesystems.get(key)
    if fs is None:
        fs = base_filesystem(image_of(c), hostname(pod), pod_ip(pod), resolv_for(namespace(pod)))
        runtime.filesystems[key] = fs
    return fs
