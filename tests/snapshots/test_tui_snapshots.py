"""Snapshots (pytest-textual-snapshot) at 80x24: the home screen, a lesson with a failing result
and its diff, a step with a command longer than the pane, a confirmation dialog, the help screen.
Services are fixed fakes so the pictures do not depend on a cluster; the console runs `sh` with
a fixed prompt. Update after an intended change: `pytest tests/snapshots --snapshot-update`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import (
    ClusterStatus,
    LabCluster,
    NodeStatus,
    Progress,
    Provider,
    ProviderOptions,
)
from kubelab.grading.results import CheckResult, StepResult
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.tui.app import KubelabApp, create_app
from kubelab.tui.progress_adapter import StoreProgress
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.services import Bindings, Services
from kubelab.tui.shell_session import PtyShellRunner
from kubelab.tui.widgets.lesson_markdown import FoldedFence
from kubelab.tui.widgets.terminal import Terminal

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "tests" / "functional" / "tui" / "course"
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: kubelab-sim, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: kubelab-sim, user: {token: snapshot}}]
contexts: [{name: kubelab-sim, context: {cluster: kubelab-sim, user: kubelab-sim}}]
current-context: kubelab-sim
"""


def cluster_at(kubeconfig: Path) -> LabCluster:
    return LabCluster(
        provider="sim",
        name="kubelab",
        kubeconfig=kubeconfig,
        context="kubelab-sim",
        namespace="lab",
        capabilities=frozenset({"loadbalancer", "nodeport-from-host"}),
    )


class FixedProvider(Provider):
    kind = "sim"

    def __init__(self, cluster: LabCluster) -> None:
        self.cluster = cluster

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> FixedProvider:
        raise AssertionError("chosen directly, never by --cluster")

    @property
    def name(self) -> str:
        return "kubelab"

    @property
    def capabilities(self) -> frozenset[str]:
        return self.cluster.capabilities

    def provision(self, progress: Progress) -> LabCluster:
        progress("starting the simulated cluster")
        return self.cluster

    def status(self) -> ClusterStatus:
        return ClusterStatus(
            provider="sim",
            name="kubelab",
            provisioned=True,
            api_reachable=True,
            server_version="v1.37.0",
            nodes=[NodeStatus("node-1", True), NodeStatus("node-2", True)],
        )

    def teardown(self, progress: Progress) -> None:
        raise NotImplementedError("not used by the snapshots")


class FixedGrader:
    """Every step fails the same way: one check passes, one fails with a diff."""

    def start_lesson(
        self,
        cluster: LabCluster,
        loaded: LoadedLesson,
        previous: Bindings,
        step_id: str | None = None,
    ) -> Bindings:
        return {"namespace": "lab"}

    def grade(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> StepResult:
        step = loaded.lesson.step(step_id)
        assert step is not None
        return StepResult(
            loaded.lesson.id,
            step_id,
            step.title,
            checks=[
                CheckResult("the Service exists", "assert", "passed", "Service web exists"),
                CheckResult(
                    "web selects app=web on port 80",
                    "assert",
                    "failed",
                    "Service web: spec.selector.app should be web; it is wbe",
                    explain="Look at `kubectl get svc web -o yaml`.",
                    diff="  spec:\n    selector:\n-     app: web\n+     app: wbe",
                ),
            ],
        )

    def apply_solution(self, *args: Any) -> list[str]:
        return []

    def start_step(self, *args: Any) -> list[str]:
        return []

    def reset_step(self, *args: Any) -> list[str]:
        return []

    def reset_lesson(self, *args: Any) -> list[str]:
        return []

    def close(self) -> None:
        pass

    def watch(self, *args: Any) -> Iterator[dict[str, Any]]:
        return iter(())


def make_app(tmp_path: Path, course: Path = COURSE) -> KubelabApp:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    services = Services(
        load_course=lambda: load_course(course),
        resolve_provider=lambda yes=False: FixedProvider(cluster_at(kubeconfig)),
        grader=FixedGrader(),
        progress=StoreProgress(tmp_path / "progress.json"),
        console=PtyShellRunner(),
        kubectl=lambda: Path("/nonexistent/kubectl"),
    )
    return create_app(services, keymap={}, watch_mode=False)


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def ready(app: KubelabApp) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        await until(lambda: app.cluster is not None and app.course is not None)
        await pilot.pause()

    return run_before


async def open_lesson(app: KubelabApp, pilot: Any, lesson_id: str | None = None) -> LessonScreen:
    """Open a lesson (the first one by default) and wait for its console's prompt."""
    await ready(app)(pilot)
    if lesson_id is None:
        await pilot.press("enter")
    else:
        app.open_lesson(lesson_id)
    await until(lambda: isinstance(app.screen, LessonScreen) and app.screen.bindings)
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await until(lambda: screen.query_one(Terminal).text().rstrip().endswith("learner$"))
    return screen


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """State and home in tmp_path (the console shows `~/workspace/...`); the console's shell
    is sh with a fixed prompt."""
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "sh")
    monkeypatch.setenv("PS1", "learner$ ")
    monkeypatch.delenv("ENV", raising=False)
    monkeypatch.delenv("KUBELAB_KEYS", raising=False)
    return tmp_path


def test_home_screen(snap_compare: Any, state: Path) -> None:
    app = make_app(state)
    assert snap_compare(app, terminal_size=(80, 24), run_before=ready(app))


def test_lesson_with_failing_checks(snap_compare: Any, state: Path) -> None:
    app = make_app(state)

    async def run_before(pilot: Any) -> None:
        await open_lesson(app, pilot)
        await pilot.press("c")
        await until(lambda: isinstance(app.screen, LessonScreen) and app.screen.results)
        # the results panel is scrolled into view after the check
        await until(lambda: app.screen.query_one("#step-view").scroll_y > 0)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_screen(snap_compare: Any, state: Path) -> None:
    app = make_app(state)

    async def run_before(pilot: Any) -> None:
        await ready(app)(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_a_step_with_a_command_wider_than_the_pane(snap_compare: Any, state: Path) -> None:
    """Lesson 6's `kubectl run ... -- wget ...` folds: every character is on screen."""
    app = make_app(state, course=REPO)

    async def run_before(pilot: Any) -> None:
        screen = await open_lesson(app, pilot, "nodeport")
        app.clear_notifications()  # "builds on dns, not finished yet"
        await pilot.pause()
        fence = next(block for block in screen.query(FoldedFence) if "nodeport-test" in block.code)
        screen.query_one("#step-view").scroll_to_widget(fence, animate=False, top=True)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_a_confirmation_dialog(snap_compare: Any, state: Path) -> None:
    app = make_app(state)

    async def run_before(pilot: Any) -> None:
        await open_lesson(app, pilot)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
