"""A lab namespace on the shared simulator, seen two ways: by kubelab (client, LabCluster as the
sim provider describes it) and by a learner (real kubectl whose context namespace is the lab's)."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubelab.cluster.base import HOST_PORTS_PATH, LabCluster
from kubelab.cluster.client import KubeClient

KUBECTL = Path(sys.executable).parent / "kubectl"
STUCK = {"ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff"}


def _load_balancer_settled(service: dict[str, Any]) -> bool:
    """Not a LoadBalancer the cluster's provider is still making: like cloud-provider-kind,
    the simulator writes the ingress address a moment after the Service asks for one. One that
    asks for a particular address (which may never come) or another class is not waited for."""
    spec = service.get("spec") or {}
    if spec.get("type") != "LoadBalancer" or spec.get("loadBalancerIP"):
        return True
    if spec.get("loadBalancerClass"):
        return True
    return bool(((service.get("status") or {}).get("loadBalancer") or {}).get("ingress"))


def _pod_settled(pod: dict[str, Any]) -> bool:
    """Ready, finished, or stuck for a reason the learner must see (an image pull error)."""
    status = pod.get("status") or {}
    if pod["metadata"].get("deletionTimestamp"):
        return False
    if status.get("phase") in ("Succeeded", "Failed"):
        return True
    if any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    ):
        return True
    waiting = [
        ((c.get("state") or {}).get("waiting") or {}).get("reason")
        for c in status.get("containerStatuses") or []
    ]
    return any(reason in STUCK for reason in waiting)


def _rolled_out(deployment: dict[str, Any]) -> bool:
    status = deployment.get("status") or {}
    want = deployment["spec"]["replicas"]
    return all(
        status.get(key, 0) == want for key in ("replicas", "updatedReplicas", "readyReplicas")
    )


@dataclass
class Lab:
    client: KubeClient
    cluster: LabCluster
    kubeconfig: Path  # the learner's: the lab namespace is the context's namespace
    cache: Path

    @property
    def namespace(self) -> str:
        return self.cluster.namespace

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """What the learner types (real kubectl, no shell)."""
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=90,
        )  # fmt: skip

    def settle(self, skip: tuple[str, ...] = (), timeout: float = 90) -> None:
        """Wait until every Deployment (but `skip`) is rolled out, every pod settled and every
        load balancer made."""
        deadline = time.monotonic() + timeout
        while True:
            waiting = [
                d["metadata"]["name"]
                for d in self.client.list("apps/v1", "Deployment", self.namespace)
                if d["metadata"]["name"] not in skip and not _rolled_out(d)
            ]
            waiting += [
                p["metadata"]["name"]
                for p in self.client.list("v1", "Pod", self.namespace)
                if not _pod_settled(p)
            ]
            waiting += [
                s["metadata"]["name"]
                for s in self.client.list("v1", "Service", self.namespace)
                if not _load_balancer_settled(s)
            ]
            if not waiting:
                return
            assert time.monotonic() < deadline, f"not settled after {timeout}s: {waiting}"
            time.sleep(0.2)


@pytest.fixture
def lab(sim: Any, tmp_path: Path) -> Iterator[Lab]:
    namespace = f"lesson-{secrets.token_hex(3)}"
    config = yaml.safe_load(Path(sim.kubeconfig).read_text(encoding="utf-8"))
    for context in config["contexts"]:
        context["context"]["namespace"] = namespace
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config), encoding="utf-8")
    kubeconfig.chmod(0o600)
    with KubeClient(Path(sim.kubeconfig), "kubelab-sim", namespace) as client:
        client.ensure_namespace(namespace, {"app.kubernetes.io/managed-by": "kubelab"})
        cluster = LabCluster(
            provider="context",
            name="kubelab-sim",
            kubeconfig=Path(sim.kubeconfig),
            context="kubelab-sim",
            namespace=namespace,
            # As the sim provider describes it: host traffic goes to its 127.0.0.1 ports only.
            capabilities=frozenset({"loadbalancer", "nodeport-from-host", "multi-node"}),
            nodeport_host="127.0.0.1",
            host_ports_path=HOST_PORTS_PATH,
        )
        try:
            yield Lab(client, cluster, kubeconfig, tmp_path / "cache")
        finally:
            client.delete_namespace(namespace)
