"""Building a container's view of the world from the store: its environment, files, network."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from kubelab.sim.controllers.envvars import container_env, env_key, service_env
from kubelab.sim.dataplane import pods
from kubelab.sim.dataplane.cluster_net import ClusterNetwork, ClusterView, StaticView
from kubelab.sim.dataplane.container import ContainerContext, resolv_for
from kubelab.sim.dataplane.images import Image
from kubelab.sim.dataplane.runtime import DataplaneRuntime, runtime_for

Obj = Mapping[str, Any]


# CORE's `Store` (`kubelab.sim.store`): `registry.by_key`, `list(rt, ns, copy_items=)`,
# `runtime_get`, `runtime_keys`. Typed loosely so unit tests can pass a small stand-in.
StoreLike = Any


class StoreView:
    """`ClusterView` over the live store (no copies: callers only read)."""

    KEYS: ClassVar[dict[str, str]] = {
        "services": "/services",
        "endpointslices": "discovery.k8s.io/endpointslices",
        "pods": "/pods",
        "nodes": "/nodes",
        "namespaces": "/namespaces",
    }

    def __init__(self, store: StoreLike) -> None:
        self.store = store

    def _items(self, what: str) -> list[Obj]:
        try:
            rt = self.store.registry.by_key(self.KEYS[what])
        except KeyError:
            return []
        items: list[Obj] = self.store.list(rt, None, copy_items=False).items
        return items

    def services(self) -> list[Obj]:
        return self._items("services")

    def endpoint_slices(self) -> list[Obj]:
        return self._items("endpointslices")

    def pods(self) -> list[Obj]:
        return self._items("pods")

    def nodes(self) -> list[Obj]:
        return self._items("nodes")

    def namespaces(self) -> list[str]:
        return [pods.name(n) for n in self._items("namespaces")]

    def pod(self, namespace: str, name: str) -> Obj | None:
        """The live pod `namespace/name`, or None once it is gone."""
        getter = getattr(self.store, "try_get", None)
        if getter is not None:
            try:
                rt = self.store.registry.by_key(self.KEYS["pods"])
            except KeyError:
                return None
            found: Obj | None = getter(rt, namespace, name)
            return found
        return next(
            (p for p in self.pods() if pods.namespace(p) == namespace and pods.name(p) == name),
            None,
        )

    def snapshot(self) -> StaticView:
        return StaticView(
            self.services(), self.endpoint_slices(), self.pods(), self.nodes(), self.namespaces()
        )


def _parse_time(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def _stored_env(store: StoreLike, pod: Obj, container_name: str) -> list[tuple[str, str]] | None:
    """The environment the kubelet recorded for this container at start, if it did."""
    raw = store.runtime_get(env_key(pods.namespace(pod), pods.name(pod), container_name))
    if not isinstance(raw, list) or not raw:
        return None
    return [(str(k), str(v)) for k, v in raw]


def _started_at(pod: Obj, container_name: str) -> datetime | None:
    st = pods.container_status(pod, container_name) or {}
    running = (st.get("state") or {}).get("running") or {}
    return _parse_time(running.get("startedAt")) or _parse_time(
        (pod.get("status") or {}).get("startTime")
    )


def computed_env(view: ClusterView, pod: Obj, c: Obj) -> list[tuple[str, str]]:
    """The kubelet's rule, from creation times: Services created before the container started."""
    started = _started_at(pod, str(c.get("name", "")))
    visible = []
    for svc in view.services():
        created = _parse_time(pods.meta(svc).get("creationTimestamp"))
        if started is None or created is None or created <= started:
            visible.append(svc)
    links = (pod.get("spec") or {}).get("enableServiceLinks")
    return container_env(c, service_env(visible, pods.namespace(pod), links is not False))


def process_env(image: Image, pod: Obj, own: list[tuple[str, str]]) -> dict[str, str]:
    """What `printenv` shows: PATH, HOSTNAME, the image's ENV, the container's env, HOME."""
    env: dict[str, str] = {
        "PATH": image.env.get(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        )
    }
    env["HOSTNAME"] = pods.hostname(pod)
    for k, v in image.env.items():
        env.setdefault(k, v)
    for k, v in own:
        env[k] = v
    env.setdefault("HOME", image.home)
    return env


def container_context(
    store: StoreLike | None, pod: Obj, c: Obj, view: ClusterView | None = None
) -> ContainerContext:
    runtime: DataplaneRuntime = runtime_for(store)
    if view is None:
        if store is None:
            raise ValueError("a store or a view is needed")
        view = StoreView(store)
    image = pods.image_of(c)
    name = str(c.get("name", ""))
    own = _stored_env(store, pod, name) if store is not None else None
    if own is None:
        own = computed_env(view, pod, c)
    resolv = resolv_for(pods.namespace(pod))
    hostname = pods.hostname(pod)
    ip = pods.pod_ip(pod)
    network = ClusterNetwork(
        view, runtime, client_ip=ip, resolv=resolv, hosts={hostname: ip} if ip else {}, own_pod=pod
    )
    return ContainerContext(
        namespace=pods.namespace(pod),
        pod_name=pods.name(pod),
        container_name=name,
        image=image,
        network=network,
        env=process_env(image, pod, own),
        pod_ip=ip,
        node_name=str((pod.get("spec") or {}).get("nodeName") or ""),
        hostname=hostname,
        fs=pods.filesystem(runtime, pod, c),
        resolv=resolv,
    )
