"""What every namespace holds on a real cluster: the `default` ServiceAccount (serviceaccounts
controller) and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher), recreated if deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from kubelab.sim.errors import ApiError
from kubelab.sim.store import NAMESPACES, Store, WatchEvent

ROOT_CA = "kube-root-ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
SERVICE_ACCOUNTS = "/serviceaccounts"
CONFIGMAPS = "/configmaps"


def _active(store: Store, namespace: str) -> bool:
    ns = store.try_get(store.registry.by_key(NAMESPACES), None, namespace)
    return ns is not None and not ns["metadata"].get("deletionTimestamp")


def ensure(store: Store, namespace: str, ca_pem: str) -> None:
    """Create the namespace's default ServiceAccount and root CA ConfigMap if missing."""
    if not _active(store, namespace):
        return
    sa = store.registry.by_key(SERVICE_ACCOUNTS)
    cm = store.registry.by_key(CONFIGMAPS)
    with contextlib.suppress(ApiError):  # created meanwhile, or the namespace went away
        if store.try_get(sa, namespace, "default") is None:
            store.create(sa, {"metadata": {"name": "default"}}, namespace=namespace)
    with contextlib.suppress(ApiError):
        current = store.try_get(cm, namespace, ROOT_CA)
        if current is not None and (current.get("data") or {}).get("ca.crt") != ca_pem:
            # A restart with a new serving certificate: publish the new one.
            store.mutate(cm, namespace, ROOT_CA, lambda o: o.update(data={"ca.crt": ca_pem}))
        if current is None:
            store.create(
                cm,
                {
                    "metadata": {
                        "name": ROOT_CA,
                        "annotations": {"kubernetes.io/description": DESCRIPTION},
                    },
                    "data": {"ca.crt": ca_pem},
                },
                namespace=namespace,
            )


def install(store: Store, ca_pem: str) -> Callable[[], None]:
    """Fill every namespace now and each new one as it appears; returns the unsubscriber."""
    for ns in store.all_objects(NAMESPACES):
        ensure(store, ns["metadata"]["name"], ca_pem)

    def later(namespace: str) -> None:
        try:
            asyncio.get_running_loop().call_soon(ensure, store, namespace, ca_pem)
        except RuntimeError:
            ensure(store, namespace, ca_pem)

    def on_event(ev: WatchEvent) -> None:
        meta: dict[str, Any] = ev.obj.get("metadata", {})
        if ev.key == NAMESPACES and ev.type == "ADDED":
            later(str(meta.get("name")))
        elif ev.type == "DELETED" and (
            (ev.key == SERVICE_ACCOUNTS and meta.get("name") == "default")
            or (ev.key == CONFIGMAPS and meta.get("name") == ROOT_CA)
        ):
            later(str(meta.get("namespace")))

    return store.subscribe(on_event, {NAMESPACES, SERVICE_ACCOUNTS, CONFIGMAPS})
