"""The cluster vanishing under the TUI (driven by Pilot): checking the step shows that the cluster
does not answer (an error result or the error modal, never a crash or a traceback); "apply for me"
on the dead cluster is an error shown too, and the app keeps running."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_support import COURSE, StaticProvider, lab_cluster, services_for, wait_for
from tui_vanish_support import check_after_the_cluster_vanished

from kubelab.lessons.loader import load_course
from kubelab.tui.app import create_app
from kubelab.tui.screens.error import ErrorScreen

pytestmark = pytest.mark.timeout(120)


async def test_tui_shows_an_unreachable_cluster(
    sim_factory: Callable[..., Any], tmp_path: Path, tui_env: Path
) -> None:
    server = sim_factory("lab")
    cluster = lab_cluster(server.kubeconfig)
    services = services_for(
        StaticProvider(cluster), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await check_after_the_cluster_vanished(app, pilot, server)
        # other actions on a dead cluster are errors shown to the learner too, never a crash
        await pilot.press("a")
        await pilot.pause()
        if app.screen is not screen:
            await pilot.press("y")  # confirm "apply for me"
        await wait_for(
            lambda: isinstance(app.screen, ErrorScreen) or len(app.errors) > 0,
            timeout=60,
            what="apply-for-me against a dead cluster",
        )
        assert app.is_running
