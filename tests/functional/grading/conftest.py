"""Fixtures for grading against the simulator: a namespace of the test's own, a check context on
it, and `kubelab` run as a subprocess with the simulator as a borrowed context."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.context import CheckContext, make_context

CONTEXT = "kubelab-sim"
REPO = Path(__file__).resolve().parents[3]
COURSES = REPO / "tests" / "fixtures" / "courses"


@pytest.fixture
def namespace(sim: Any) -> Iterator[str]:
    name = f"grading-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as client:
        client.ensure_namespace(name, {"app.kubernetes.io/managed-by": "kubelab"})
        yield name
        client.delete_namespace(name)


@pytest.fixture
def client(sim: Any, namespace: str) -> Iterator[KubeClient]:
    with KubeClient(sim.kubeconfig, None, namespace) as kube:
        yield kube


@pytest.fixture
def lab(sim: Any, namespace: str) -> LabCluster:
    return LabCluster(
        provider="context",
        name=CONTEXT,
        kubeconfig=Path(sim.kubeconfig),
        context=CONTEXT,
        namespace=namespace,
    )


@pytest.fixture
def ctx(client: KubeClient, namespace: str, lab: LabCluster) -> CheckContext:
    context = make_context(client, namespace, {"namespace": namespace}, lab)
    context.probe_timeout = 20
    return context


@pytest.fixture
def run_kubelab(sim: Any, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`kubelab ARGS` with the simulator as `--cluster context:kubelab-sim` and a private state
    dir; returns the finished process (timeout 120 s)."""
    env = dict(os.environ)
    env.update(
        KUBECONFIG=str(sim.kubeconfig),
        KUBELAB_STATE_DIR=str(tmp_path / "state"),
        NO_COLOR="1",
        HOME=str(tmp_path),
    )
    env.pop("KUBELAB_CLUSTER", None)

    def run(
        *args: str, timeout: float = 120.0, env_kubeconfig: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kubelab", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**env, "KUBECONFIG": env_kubeconfig} if env_kubeconfig else env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
        )

    return run


@pytest.fixture
def lab_ns(sim: Any) -> Iterator[str]:
    """The lab namespace of `kubelab ... --cluster context:kubelab-sim --namespace NAME`, as
    `kubelab up` leaves it (created, labelled managed-by=kubelab); deleted after the test."""
    name = f"lab-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as kube:
        kube.ensure_namespace(name, {MANAGED_BY_LABEL: MANAGED_BY_VALUE})
    yield name
    with KubeClient(sim.kubeconfig, None, name) as kube:
        for lesson in kube.list("v1", "Namespace", None, {"kubelab.dev/lab": name}):
            kube.delete_namespace(lesson["metadata"]["name"])
        kube.delete_namespace(name)
