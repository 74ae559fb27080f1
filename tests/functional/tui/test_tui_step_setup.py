"""A step's own setup in the TUI: applied once when the learner reaches the step (a breakage to
debug mid-lesson), not again when they come back to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_lessons import open_first_lesson
from tui_support import StaticProvider, services_for, wait_for

from kubelab.cluster.base import LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.lesson_lab import lesson_namespace
from kubelab.lessons.loader import load_course
from kubelab.progress import ProgressStore
from kubelab.tui.app import create_app

pytestmark = pytest.mark.timeout(120)

COURSE = Path(__file__).resolve().parents[2] / "fixtures" / "courses" / "authoring"


async def test_a_steps_setup_is_applied_once_when_the_learner_reaches_it(
    lab: LabCluster, tmp_path: Path
) -> None:
    progress_file = tmp_path / "progress.json"
    services = services_for(StaticProvider(lab), progress_file, course=lambda: load_course(COURSE))
    app = create_app(services, keymap={})
    client = KubeClient(lab.kubeconfig, lab.context, lab.namespace)
    namespace = lesson_namespace(lab.namespace, "authoring")  # the lesson's own namespace

    def marker() -> object:
        return client.get("v1", "ConfigMap", "marker", namespace)

    try:
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_lesson(app, pilot)
            assert screen.step.id == "fix"
            assert marker() is None  # the step "echo" has not been reached
            await pilot.press("n")
            await wait_for(lambda: marker() is not None, 30, what="the step's setup")
            await wait_for(lambda: screen.busy is None, 30, what="the step to be ready")
            saved = ProgressStore(progress_file).load()
            assert saved.lessons["authoring"].steps["echo"].setup_applied
            client.delete("v1", "ConfigMap", "marker", namespace)
            await wait_for(lambda: marker() is None, 10, what="the marker to go")
            await pilot.press("p")
            await pilot.press("n")
            await pilot.pause(1.0)
            assert marker() is None, "the step's setup was applied a second time"
            assert not app.errors, app.errors
    finally:
        client.close()
