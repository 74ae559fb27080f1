"""The TUI recovers once the cluster is back: the simulator SIGKILLed under the lesson screen and
started again on the same state and port (with a fresh kubeconfig and token, as `kubelab up`
does); the next check grades normally, without restarting the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tui_support import COURSE, StaticProvider, lab_cluster, services_for, wait_for
from tui_vanish_support import check_after_the_cluster_vanished, shown_text

from kubelab.lessons.loader import load_course
from kubelab.tui.app import create_app

pytestmark = pytest.mark.timeout(120)


async def test_tui_recovers_when_the_cluster_is_back(
    sim_factory: Callable[..., Any], tmp_path: Path, tui_env: Path
) -> None:
    state = tmp_path / "sim-state.db"
    server = sim_factory("lab", state=state)
    port = server.server.rsplit(":", 1)[1]
    cluster = lab_cluster(server.kubeconfig)
    services = services_for(
        StaticProvider(cluster), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={}, watch_mode=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await check_after_the_cluster_vanished(app, pilot, server)
        # the cluster comes back (same state and port; like `kubelab up`, a fresh kubeconfig with
        # a new token at the same path)
        server = sim_factory("lab", state=state, extra=("--port", port))
        server.kubectl(
            "create",
            "service",
            "clusterip",
            "web",
            "--tcp=80:80",
            "-n",
            cluster.namespace,
            check=True,
        )
        del screen.results["create-web"]
        screen.focus_next("#step-list")
        await pilot.press("c")
        await wait_for(lambda: "create-web" in screen.results, timeout=60, what="a new result")
        assert "create-web" in screen.passed, shown_text(app)
