"""The apiVersion of every kind a lesson may name without one (the only such table in kubelab).

A lesson that names any other kind gives `apiVersion` itself: `kubelab lint` locates a kind that
is not here, and the grader refuses one (an error, never a wrong answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

DEFAULT_API_VERSIONS: Final[Mapping[str, str]] = {
    "Pod": "v1",
    "Service": "v1",
    "Endpoints": "v1",
    "ConfigMap": "v1",
    "Secret": "v1",
    "Namespace": "v1",
    "Node": "v1",
    "ServiceAccount": "v1",
    "ReplicationController": "v1",
    "Event": "v1",
    "Deployment": "apps/v1",
    "ReplicaSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "StatefulSet": "apps/v1",
    "EndpointSlice": "discovery.k8s.io/v1",
    "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
    "Job": "batch/v1",
    "CronJob": "batch/v1",
}


class UnknownKind(LookupError):
    """A kind without `apiVersion` that is not in `DEFAULT_API_VERSIONS`."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"give 'apiVersion' for kind {kind!r} (no default is known)")
        self.kind = kind


def api_version_for(kind: str, given: str | None = None) -> str:
    """`given` when set, else the table's apiVersion for `kind`; raises UnknownKind otherwise."""
    if given:
        return given
    try:
        return DEFAULT_API_VERSIONS[kind]
    except KeyError:
        raise UnknownKind(kind) from None
