"""Helpers for the TUI fault tests: what the learner is shown, and a check after the cluster
vanished."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

TUI_TESTS = Path(__file__).resolve().parents[1] / "functional" / "tui"
if str(TUI_TESTS) not in sys.path:
    sys.path.insert(0, str(TUI_TESTS))

from tui_support import wait_for  # noqa: E402

from kubelab.tui.screens.error import ErrorScreen  # noqa: E402
from kubelab.tui.screens.lesson import LessonScreen  # noqa: E402

UNREACHABLE_WORDS = ("does not answer", "cannot reach")


def shown_text(app: Any) -> str:
    """Everything the learner can read about the failure: results, status line, error modal."""
    parts = []
    screen = app.screen
    if isinstance(screen, ErrorScreen):
        parts.append(str(screen.query_one("#error-message").render()))
    for lesson_screen in app.screen_stack:
        if isinstance(lesson_screen, LessonScreen):
            for selector in ("#results", "#status-line"):
                parts.append(str(lesson_screen.query_one(selector).render()))
    return "\n".join(parts)


async def check_after_the_cluster_vanished(app: Any, pilot: Any, server: Any) -> LessonScreen:
    """Open the first lesson, check its step once (failed: nothing done yet), kill the cluster,
    check again; returns the lesson screen after asserting what the learner is shown."""
    await wait_for(lambda: app.cluster is not None and app.course is not None)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(lambda: isinstance(app.screen, LessonScreen), what="lesson screen")
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await wait_for(lambda: screen.bindings is not None, what="lesson start")
    screen.focus_next("#step-list")
    await pilot.press("c")
    await wait_for(lambda: "create-web" in screen.results, what="the first grading")
    assert screen.results["create-web"].status == "failed"

    server.stop(signal.SIGKILL)  # the cluster vanishes
    del screen.results["create-web"]
    await pilot.press("c")
    await wait_for(
        lambda: "create-web" in screen.results or isinstance(app.screen, ErrorScreen),
        timeout=60,
        what="the check against a dead cluster",
    )
    await pilot.pause()
    text = shown_text(app)
    assert any(word in text for word in UNREACHABLE_WORDS), text
    assert "Traceback" not in text
    if "create-web" in screen.results:
        assert screen.results["create-web"].status == "error"  # never "your work is wrong"
    if isinstance(app.screen, ErrorScreen):
        await pilot.press("escape")
    assert app.is_running
    return screen
