"""The TUI recovers once the cluster is back: the simulator SIGKILLed under the lesson screen and
started again on the same state (with a fresh kubeconfig and token, as `kubelab up`
does); the next check grades normally, without restarting the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_support import COURSE, StaticProvider, lab_cluster, services_for, wait_for
from tui_vanish_support import check_after_the_cluster_vanished, shown_text

from kubelab.grading.lesson_lab import lesson_namespace
from kubelab.lessons.loader import load_course
from kubelab.tui.app import create_app

pytestmark = pytest.mark.timeout(120)


async def test_tui_recovers_when_the_cluster_is_back(
    sim_factory: Callable[..., Any], tmp_path: Path, tui_env: Path
) -> None:
    state = tmp_path / "sim-state.db"
    server = sim_factory("lab", state=state)
    cluster = lab_cluster(server.kubeconfig)
    services = services_for(
        StaticProvider(cluster), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await check_after_the_cluster_vanished(app, pilot, server)
        # the cluster comes back (same state; like `kubelab up`, a fresh kubeconfig with
        # a new token at the same path)
        server = sim_factory("lab", state=state)  # a fresh port: the old one may be taken meanwhile
        server.kubectl(
            "create",
            "service",
            "clusterip",
            "web",
            "--tcp=80:80",
            "-n",
            lesson_namespace(cluster.namespace, "first-service"),
            check=True,
        )
        del screen.results["create-web"]
        screen.focus_next("#step-list")
        await pilot.press("c")
        await wait_for(lambda: "create-web" in screen.results, timeout=60, what="a new result")
        assert "create-web" in screen.passed, shown_text(app)


async def test_watch_mode_survives_the_cluster_vanishing_and_grades_again(
    sim_factory: Callable[..., Any], tmp_path: Path, tui_env: Path
) -> None:
    """With watch mode on (the default), the namespace watches fail while the cluster is gone
    (recorded, retried about once a second, the app stays up) and resume once it is back: the
    learner's change is graded without pressing a key."""
    import asyncio
    import signal

    from kubelab.tui.screens.lesson import LessonScreen

    state = tmp_path / "sim-state.db"
    server = sim_factory("lab", state=state)
    cluster = lab_cluster(server.kubeconfig)
    services = services_for(
        StaticProvider(cluster), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={}, watch_mode=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, LessonScreen), what="lesson screen")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await wait_for(lambda: screen.bindings is not None, what="lesson start")
        await wait_for(lambda: screen._watcher is not None, what="the watches")
        watcher = screen._watcher
        assert watcher is not None

        server.stop(signal.SIGKILL)
        await wait_for(lambda: watcher.errors, timeout=30, what="a watch failure")
        await asyncio.sleep(2.5)
        assert app.is_running and len(watcher.errors) <= 5  # the latest few, never a flood
        assert "create-web" not in screen.passed

        server = sim_factory("lab", state=state)  # a fresh port: the old one may be taken meanwhile
        server.kubectl(
            "create", "service", "clusterip", "web", "--tcp=80:80", "-n",
            lesson_namespace(cluster.namespace, "first-service"),
            check=True,
        )  # fmt: skip
        await wait_for(
            lambda: "create-web" in screen.passed, timeout=60, what="the change graded by watch"
        )
        assert screen.passed["create-web"] is False  # the learner's own work, not "apply for me"
        assert shown_text(app)
