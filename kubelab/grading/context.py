"""What an evaluator gets: the API to read the cluster, the lab namespace, the bindings.

Evaluators depend on the `ClusterApi` protocol (which `kubelab.cluster.client.KubeClient`
satisfies), so they can be unit-tested against an in-memory fake and run unchanged against any
real cluster.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kubelab.objects import Obj

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster
    from kubelab.grading.changes import StepWatcher


class ExecOutput(Protocol):
    @property
    def exit_code(self) -> int: ...

    @property
    def stdout(self) -> str: ...

    @property
    def stderr(self) -> str: ...


class ClusterApi(Protocol):
    """The part of `kubelab.cluster.client.KubeClient` the grader uses (plain dicts in and out)."""

    namespace: str

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Obj | None: ...

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: Mapping[str, str] | str | None = None,
        *,
        all_namespaces: bool = False,
    ) -> list[Obj]: ...

    def apply(self, obj: Obj, namespace: str | None = None) -> Obj: ...

    def is_namespaced(self, api_version: str, kind: str) -> bool: ...

    def read_path(self, path: str) -> Obj: ...

    def create(self, obj: Obj, namespace: str | None = None) -> Obj: ...

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        grace_period_seconds: int | None = None,
    ) -> bool: ...

    def ensure_namespace(
        self, name: str, labels: Mapping[str, str] | None = None, *, vetted: bool = False
    ) -> Obj: ...

    def delete_namespace(self, name: str) -> bool: ...

    def exec(
        self,
        pod: str,
        command: builtins.list[str],
        namespace: str | None = None,
        container: str | None = None,
        timeout: float = 30.0,
    ) -> ExecOutput: ...


class GradingError(Exception):
    """The grader cannot decide (bad lesson, cluster trouble): an "error", never "failed"."""


@dataclass
class CheckContext:
    """Everything an evaluator needs. One per graded step; shared by its checks (thread-safe:
    `KubeClient` runs each exec through an ApiClient of its own)."""

    client: ClusterApi
    namespace: str
    bindings: Mapping[str, str | int] = field(default_factory=dict)
    cluster: LabCluster | None = None
    probe_image: str = "busybox:1.37"
    probe_timeout: float = 60.0
    probes_ready: set[str] = field(default_factory=set, repr=False)
    max_wait: float | None = None
    """Caps every check's timeout: grading a learner's live state wants a verdict in seconds,
    while the self-test and submissions wait the lessons' own timeouts for pods to start."""
    waker: StepWatcher | None = field(default=None, repr=False)
    stopped: threading.Event = field(default_factory=threading.Event, repr=False)
    """Set when grading is interrupted: waiting checks end at once (as errors)."""
    """Watches that end a failing check's wait early (set by the engine while a step polls)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def namespace_of(self, given: str | None) -> str:
        return given or self.namespace

    @property
    def probe_lock(self) -> threading.Lock:
        return self._lock


def make_context(
    client: ClusterApi,
    namespace: str,
    bindings: Mapping[str, str | int],
    cluster: LabCluster | None = None,
) -> CheckContext:
    """The context for grading `namespace` with `client` (one per step or lesson run)."""
    return CheckContext(client=client, namespace=namespace, bindings=bindings, cluster=cluster)


def iter_ready_pods(pods: list[Obj]) -> Iterator[Obj]:
    for pod in pods:
        if pod_is_ready(pod):
            yield pod


def pod_is_ready(pod: Mapping[str, Any]) -> bool:
    metadata = pod.get("metadata") or {}
    if metadata.get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    conditions = status.get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def selector_matches(selector: Mapping[str, str], labels: Mapping[str, str] | None) -> bool:
    labels = labels or {}
    return all(labels.get(key) == value for key, value in selector.items())
