"""The learner's path through the headless lesson's StatefulSet step, at 80x24 on the simulator:
open lesson 11, go to its third step, check (fails), apply the solution, check (passes), then
`kubectl rollout status statefulset/web` and `kubectl get pods` in the console (bash, with the
tests' prompt)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_support import StaticProvider, console_output, run_in_console, services_for, wait_for

from kubelab.cluster.base import LabCluster
from kubelab.lessons.loader import load_course
from kubelab.tui.app import create_app
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.widgets.terminal import Terminal

pytestmark = pytest.mark.timeout(120)
STEP = "statefulset-names"


async def test_the_statefulset_step_from_the_home_screen(lab: LabCluster, tmp_path: Path) -> None:
    course = load_course()
    index = [loaded.lesson.id for loaded in course.lessons].index("headless")
    app = create_app(
        services_for(StaticProvider(lab), tmp_path / "progress.json", course=lambda: course),
        keymap={},
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None, what="startup")
        await pilot.pause()
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, LessonScreen), what="lesson screen")
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await wait_for(lambda: screen.bindings is not None or app.errors, what="lesson start")
        assert not app.errors, app.errors
        screen.focus_next("#step-list")
        while screen.step.id != STEP:
            await pilot.press("n")
        await pilot.press("c")
        await wait_for(lambda: STEP in screen.results, 30, what="the first check")
        assert STEP not in screen.passed
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(lambda: STEP in screen.passed, 60, what="the applied step to pass")
        # the console: the learner's shell, in the lesson's namespace
        terminal = screen.query_one(Terminal)
        await pilot.press("i")
        assert app.focused is terminal
        await run_in_console(pilot, terminal, "kubectl rollout status statefulset/web")
        await run_in_console(pilot, terminal, "kubectl get pods -l app=nginx")
        shown = console_output(terminal)
        assert "partitioned roll out complete: 2 new pods have been updated..." in shown, shown
        assert "web-0" in shown and "web-1" in shown, shown
