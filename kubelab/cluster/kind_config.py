"""kind's cluster config for the lab: the nodes, and the nodePorts published on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from kubelab.cluster.base import ClusterError

KIND_API_VERSION = "kind.x-k8s.io/v1alpha4"
NODEPORTS_ENV = "KUBELAB_KIND_NODEPORTS"
DEFAULT_NODEPORTS = range(30000, 30020)


def nodeports_from_env() -> list[int]:
    """The nodePorts published on 127.0.0.1: `KUBELAB_KIND_NODEPORTS` ("30000-30019" or a
    comma-separated list) or the default range."""
    text = os.environ.get(NODEPORTS_ENV, "").strip()
    if not text:
        return list(DEFAULT_NODEPORTS)
    ports: list[int] = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            first, last = int(low), int(high or low)
            ports.extend(range(first, last + 1))
    except ValueError as exc:
        raise ClusterError(
            f"{NODEPORTS_ENV}={text!r} is not a port range",
            hint=f'use e.g. {NODEPORTS_ENV}="30000-30019" or "30080,30081"',
        ) from exc
    bad = [p for p in ports if not 30000 <= p <= 32767]
    if bad:
        raise ClusterError(
            f"{NODEPORTS_ENV}: {bad[0]} is outside the nodePort range 30000-32767",
            hint=f'use e.g. {NODEPORTS_ENV}="30000-30019"',
        )
    return sorted(set(ports))


def kind_config(name: str, nodeports: Sequence[int]) -> dict[str, Any]:
    """kind's v1alpha4 Cluster config: 1 control-plane (publishing `nodeports` on 127.0.0.1)
    and 2 workers."""
    mappings = [
        {
            "containerPort": port,
            "hostPort": port,
            "listenAddress": "127.0.0.1",
            "protocol": "TCP",
        }
        for port in nodeports
    ]
    control_plane: dict[str, Any] = {"role": "control-plane"}
    if mappings:
        control_plane["extraPortMappings"] = mappings
    return {
        "kind": "Cluster",
        "apiVersion": KIND_API_VERSION,
        "name": name,
        "nodes": [control_plane, {"role": "worker"}, {"role": "worker"}],
    }
