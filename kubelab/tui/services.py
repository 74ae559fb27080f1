"""What the TUI needs from the rest of kubelab, behind small interfaces so tests can inject them.

The app never imports the grader, the providers or the progress store directly: it receives a
`Services` bundle. `default_services()` wires the real ones (imported lazily, so starting the app
stays fast); tests build their own bundle around the simulator or fakes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from kubelab.objects import Obj

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster, Provider
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.results import StepResult
    from kubelab.lessons.loader import Course, LoadedLesson
    from kubelab.lessons.outline import CourseOutline
    from kubelab.tui.shell_session import ShellSession

Bindings = dict[str, str | int]

#: the kinds the live map and watch mode follow in the lesson namespace
WATCHED_KINDS: tuple[tuple[str, str], ...] = (
    ("v1", "Service"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("v1", "Pod"),
)


class Grader(Protocol):
    """Grading and the lesson's actions, against one provisioned lab cluster."""

    def start_lesson(
        self,
        cluster: LabCluster,
        loaded: LoadedLesson,
        previous: Bindings,
        step_id: str | None = None,
    ) -> Bindings:
        """Open the lesson in its own namespace: as the learner left it when it is there (with
        the `previous` bindings), else set up afresh at the start of `step_id`; kubelab's
        kubeconfig then points at that namespace. The lesson's bindings."""

    def grade(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> StepResult:
        """Evaluate the step's checks once, against the cluster as it is now."""

    def apply_solution(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        """Apply the step's solution ("apply for me"); what was done, one line each."""

    def start_step(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        """Apply the step's own setup (a breakage mid-lesson), when the learner reaches it."""

    def reset_step(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        """Put the cluster back as it was when the step began."""

    def reset_lesson(
        self, cluster: LabCluster, loaded: LoadedLesson, bindings: Bindings
    ) -> list[str]:
        """Empty the lesson's namespace and apply its setup again (`default` is emptied, not
        deleted)."""

    def watch(
        self,
        cluster: LabCluster,
        namespace: str,
        api_version: str,
        kind: str,
        timeout: int,
        resource_version: str | None = None,
    ) -> Iterator[Obj]:
        """Watch events of one kind in `namespace` until the server ends the watch."""

    def close(self) -> None:
        """The lesson session ended: release what the grader holds (its API clients)."""


class ProgressTracker(Protocol):
    """Where the learner is and what they passed (`kubelab.progress`'s store behind an adapter)."""

    def passed_steps(self, lesson_id: str) -> dict[str, bool]:
        """Passed step ids of a lesson -> whether the pass was assisted ("apply for me")."""

    def record_pass(self, lesson_id: str, step_id: str, *, assisted: bool) -> None: ...

    def record_hint(self, lesson_id: str, step_id: str, shown: int) -> None: ...

    def record_solution(self, lesson_id: str, step_id: str) -> None:
        """The learner revealed or applied the solution of a step."""

    def hints_shown(self, lesson_id: str, step_id: str) -> int: ...

    def step_setup_applied(self, lesson_id: str, step_id: str) -> bool:
        """Whether the step's own setup was applied for this learner (it is applied once)."""

    def record_step_setup(self, lesson_id: str, step_id: str) -> None: ...

    def set_current(self, lesson_id: str, step_id: str | None) -> None: ...

    def current(self) -> tuple[str, str | None] | None:
        """The lesson (and step) the learner was on last time, if any."""

    def bindings(self, lesson_id: str) -> Bindings:
        """The bindings the lesson was started with ({} if never started)."""

    def set_bindings(self, lesson_id: str, bindings: Bindings) -> None: ...

    def notices(self) -> list[str]:
        """Messages for the learner (a progress file set aside), once each."""


class ShellRunner(Protocol):
    """Starts the learner's shell in a pseudo-terminal for the console."""

    def spawn(
        self, argv: list[str], env: Mapping[str, str], cwd: Path, size: tuple[int, int]
    ) -> ShellSession:
        """Start `argv` (the shell) with `env` in `cwd`; `size` is (rows, cols)."""


class ProviderResolver(Protocol):
    def __call__(self, confirmed: bool = False, /) -> Provider:
        """The provider of the lab cluster; `confirmed`: the learner confirmed changes to a
        cluster kubelab did not create (in the app's dialog)."""


@dataclass
class Services:
    """Everything the app talks to. Each field is replaceable in tests."""

    load_course: Callable[[], Course]
    resolve_provider: ProviderResolver
    grader: Grader
    progress: ProgressTracker
    console: ShellRunner
    kubectl: Callable[[], Path]
    """The kubectl binary the console runs (the one beside kubelab's Python)."""
    outline: Callable[[], CourseOutline] | None = None
    """The course's outline, read fast for the lesson list (None: the list waits for the
    course)."""


# ---------------------------------------------------------------------------------------------
# the real services


class ClusterGrader:
    """`Grader` over `kubelab.grading` and `KubeClient`.

    One client per (cluster, namespace) is opened on first use and reused by every call of the
    lesson session (it is thread-safe: grading and actions share it; the long-lived watches get
    one of their own, so they never hold the grader's connections), until `close()`. A client
    is opened again when its kubeconfig file changed (the cluster came back with new
    credentials: a restarted simulator, a re-created kind cluster).
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[Path, str, str, str], tuple[KubeClient, _Stamp]] = {}
        self._lock = threading.Lock()

    def _client(self, cluster: LabCluster, namespace: str, purpose: str = "api") -> KubeClient:
        from kubelab.cluster.client import KubeClient

        key = (cluster.kubeconfig, cluster.context, namespace, purpose)
        stamp = _stamp(cluster.kubeconfig)
        stale: KubeClient | None = None
        with self._lock:
            cached = self._clients.get(key)
            if cached is not None and cached[1] == stamp:
                return cached[0]
            if cached is not None:
                stale = cached[0]
            client = KubeClient(cluster.kubeconfig, cluster.context, namespace)
            self._clients[key] = (client, stamp)
        if stale is not None:
            stale.close()
        return client

    def close(self) -> None:
        with self._lock:
            clients, self._clients = [c for c, _ in self._clients.values()], {}
        for client in clients:
            client.close()

    def start_lesson(
        self,
        cluster: LabCluster,
        loaded: LoadedLesson,
        previous: Bindings,
        step_id: str | None = None,
    ) -> Bindings:
        from kubelab.grading.lesson_lab import lesson_lab, point_kubeconfig, resume_lesson

        own = lesson_lab(cluster, loaded.lesson.id)
        # kubelab's kubeconfig points at the lesson first, so the client opened now is the one
        # every later call of the session reuses (a rewritten kubeconfig opens a new client)
        point_kubeconfig(cluster, own.namespace)
        client = self._client(cluster, own.namespace)
        # the step's own setup is left to the lesson screen, which applies it once per learner
        # when they reach the step (recorded in their progress)
        bindings, _ = resume_lesson(client, cluster, loaded, previous, step_id, own_setup=False)
        return bindings

    def grade(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> StepResult:
        from kubelab.grading.engine import grade_step

        namespace = str(bindings.get("namespace") or cluster.namespace)
        client = self._client(cluster, namespace)
        return grade_step(cluster, loaded, step_id, bindings, client, poll=False)

    def apply_solution(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        return self._apply_of_step(cluster, loaded, step_id, bindings, "solution")

    def start_step(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        return self._apply_of_step(cluster, loaded, step_id, bindings, "setup")

    def _apply_of_step(
        self,
        cluster: LabCluster,
        loaded: LoadedLesson,
        step_id: str,
        bindings: Bindings,
        which: Literal["setup", "solution"],
    ) -> list[str]:
        from kubelab.grading.actions import apply_actions

        step = loaded.lesson.step(step_id)
        if step is None:
            raise KeyError(f"lesson {loaded.lesson.id} has no step {step_id!r}")
        namespace = str(bindings.get("namespace") or cluster.namespace)
        client = self._client(cluster, namespace)
        return apply_actions(client, loaded, getattr(step, which), bindings)

    def reset_step(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        from kubelab.grading.lesson_lab import prepare_step

        namespace = str(bindings.get("namespace") or cluster.namespace)
        client = self._client(cluster, namespace)
        return prepare_step(client, loaded, step_id, bindings, cluster.namespace)

    def reset_lesson(
        self, cluster: LabCluster, loaded: LoadedLesson, bindings: Bindings
    ) -> list[str]:
        from kubelab.grading.lesson_lab import prepare_step

        namespace = str(bindings.get("namespace") or cluster.namespace)
        client = self._client(cluster, namespace)
        return prepare_step(client, loaded, None, bindings, cluster.namespace)

    def watch(
        self,
        cluster: LabCluster,
        namespace: str,
        api_version: str,
        kind: str,
        timeout: int,
        resource_version: str | None = None,
    ) -> Iterator[Obj]:
        client = self._client(cluster, namespace, "watch")
        yield from client.watch(
            api_version,
            kind,
            namespace,
            resource_version=resource_version,
            timeout_seconds=timeout,
        )


_Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> _Stamp:
    """What tells a rewritten kubeconfig from the one a client was opened with."""
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def default_services(
    *,
    cluster: str | None = None,
    namespace: str | None = None,
    yes: bool = False,
    lessons: Path | None = None,
) -> Services:
    """The real services, for `kubelab` run by a learner."""
    from kubelab.tui.progress_adapter import StoreProgress
    from kubelab.tui.shell_session import PtyShellRunner

    def load_course() -> Course:
        from kubelab.lessons.loader import load_course as load

        return load(lessons)

    def resolve(confirmed: bool = False) -> Provider:
        from kubelab.cluster.select import resolve_provider

        return resolve_provider(cluster, namespace=namespace, yes=yes or confirmed)

    def kubectl() -> Path:
        from kubelab.cluster.kubectl import kubectl_path

        return kubectl_path()

    def outline() -> CourseOutline:
        from kubelab.lessons.outline import read_outline

        return read_outline(lessons)

    return Services(
        load_course=load_course,
        resolve_provider=resolve,
        grader=ClusterGrader(),
        progress=StoreProgress(),
        console=PtyShellRunner(),
        kubectl=kubectl,
        outline=outline,
    )
