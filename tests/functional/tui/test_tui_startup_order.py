"""Start-up order: the first frame already lists the lessons (from the outline), and the course
loads only once provisioning has reached the cluster (both are CPU work in one process, and the
cluster is what the learner waits for first), whatever way provisioning ends."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from tui_support import COURSE, StaticProvider, lab_cluster, services_for, wait_for

from kubelab.cluster.base import ClusterError, ClusterStatus, LabCluster, Progress
from kubelab.lessons.loader import Course, load_course
from kubelab.lessons.outline import CourseOutline, read_outline
from kubelab.tui.app import create_app
from kubelab.tui.screens.error import ErrorScreen
from kubelab.tui.screens.home import HomeScreen
from kubelab.tui.widgets.lesson_list import LessonList

pytestmark = pytest.mark.timeout(90)


class GatedProvider(StaticProvider):
    """Provisioning that waits for the test's go before it reaches the cluster."""

    def __init__(self, cluster: LabCluster) -> None:
        super().__init__(cluster)
        self.started = threading.Event()
        self.go = threading.Event()

    def provision(self, progress: Progress) -> LabCluster:
        self.started.set()
        if not self.go.wait(timeout=60):
            raise ClusterError("the test never let provisioning go on")
        return super().provision(progress)

    def status(self) -> ClusterStatus:
        raise ClusterError("no status in this test")


class CrashingProvider(GatedProvider):
    """Provisioning that fails with an unexpected exception (a bug, not a ClusterError)."""

    def provision(self, progress: Progress) -> LabCluster:
        raise RuntimeError("a bug in the provider")


def counting_loads(loads: list[int]) -> Course:
    loads.append(1)
    return load_course(COURSE)


def lesson_rows(app: object) -> int:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, HomeScreen)
    count: int = screen.query_one(LessonList).option_count
    return count


async def test_the_first_frame_lists_the_lessons_and_the_course_waits_for_the_cluster(
    tui_env: Path, tmp_path: Path
) -> None:
    provider = GatedProvider(lab_cluster(tmp_path / "kubeconfig"))
    loads: list[int] = []
    services = services_for(provider, tmp_path / "progress.json", lambda: counting_loads(loads))
    services.outline = lambda: read_outline(COURSE)
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert lesson_rows(app) == 2  # before any worker has run
        await wait_for(provider.started.is_set, what="provisioning to start")
        await pilot.pause(0.3)
        assert loads == [] and app.course is None  # provisioning has not reached the cluster
        provider.go.set()
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        assert loads == [1] and lesson_rows(app) == 2
        assert not app.errors


async def test_the_course_loads_when_provisioning_crashes(tui_env: Path, tmp_path: Path) -> None:
    provider = CrashingProvider(lab_cluster(tmp_path / "kubeconfig"))
    services = services_for(provider, tmp_path / "progress.json", lambda: load_course(COURSE))
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(80, 24)):
        await wait_for(lambda: app.course is not None, what="the course")
        await wait_for(lambda: isinstance(app.screen, ErrorScreen), what="the error dialog")
        assert app.errors and "a bug in the provider" in app.errors[0][0]
        assert app.cluster is None


async def test_an_outline_that_cannot_be_read_leaves_the_list_to_the_course(
    tui_env: Path, tmp_path: Path
) -> None:
    def unreadable() -> CourseOutline:
        raise ValueError("an outline this test cannot read")

    provider = GatedProvider(lab_cluster(tmp_path / "kubeconfig"))
    provider.go.set()
    services = services_for(provider, tmp_path / "progress.json", lambda: load_course(COURSE))
    services.outline = unreadable
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(80, 24)):
        assert app.outline is None and lesson_rows(app) == 0
        await wait_for(lambda: app.course is not None and lesson_rows(app) == 2)
        assert not app.errors
