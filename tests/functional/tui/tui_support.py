"""Helpers for the TUI's functional tests: services around a test cluster, waiting with timeouts."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kubelab.cluster.base import (
    ClusterError,
    ClusterStatus,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
)
from kubelab.cluster.kubectl import kubectl_path
from kubelab.lessons.loader import Course, load_course
from kubelab.tui.console_process import PexpectRunner
from kubelab.tui.progress_adapter import StoreProgress
from kubelab.tui.services import ClusterGrader, Services

REPO = Path(__file__).resolve().parents[3]
COURSE = Path(__file__).resolve().parent / "course"
"""A small course of object-only checks (fast on any cluster) for the TUI's tests."""


class StaticProvider(Provider):
    """A provider handing out an already running cluster (the test simulator)."""

    kind = "sim"

    def __init__(self, cluster: LabCluster) -> None:
        self.cluster = cluster

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> StaticProvider:
        raise AssertionError("chosen directly, never by --cluster")

    @property
    def name(self) -> str:
        return self.cluster.name

    @property
    def capabilities(self) -> frozenset[str]:
        return self.cluster.capabilities

    def provision(self, progress: Progress) -> LabCluster:
        progress("using the test simulator")
        return self.cluster

    def status(self) -> ClusterStatus:
        from kubelab.cluster.status import collect_status

        return collect_status(self.cluster, provisioned=True)

    def teardown(self, progress: Progress) -> None:
        raise ClusterError("the test cluster is not torn down by tests")


class BrokenProvider(StaticProvider):
    """Provisioning fails the way a provider reports it."""

    def __init__(self, message: str, hint: str) -> None:
        self.message = message
        self.hint = hint

    @property
    def name(self) -> str:
        return "broken"

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset()

    def provision(self, progress: Progress) -> LabCluster:
        progress("checking for a container engine")
        raise ClusterError(self.message, hint=self.hint)


def lab_cluster(kubeconfig: Path, namespace: str | None = None) -> LabCluster:
    return LabCluster(
        provider="sim",
        name="test",
        kubeconfig=kubeconfig,
        context="kubelab-sim",
        namespace=namespace or f"tui-{uuid.uuid4().hex[:8]}",
        capabilities=frozenset({"nodeport-from-host", "loadbalancer"}),
        nodeport_host="127.0.0.1",
    )


def services_for(
    provider: Provider,
    progress_file: Path,
    course: Callable[[], Course] | None = None,
) -> Services:
    return Services(
        load_course=course or (lambda: load_course(REPO)),
        resolve_provider=lambda yes=False: provider,
        grader=ClusterGrader(),
        progress=StoreProgress(progress_file),
        console=PexpectRunner(),
        kubectl=kubectl_path,
    )


async def wait_for(
    condition: Callable[[], object], timeout: float = 20.0, what: str = "condition"
) -> None:
    """Let the app run until `condition()` is true; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
