"""The TUI's `ClusterGrader` keeps one API client per lesson session and closes it when the
lesson screen goes away (it used to open a client per call)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from tui_support import COURSE, wait_for

from kubelab.cluster import client as client_module
from kubelab.cluster.base import LabCluster
from kubelab.lessons.loader import load_course
from kubelab.tui.screens.home import HomeScreen
from kubelab.tui.services import ClusterGrader

pytestmark = pytest.mark.timeout(90)


class CountingClient(client_module.KubeClient):
    opened: ClassVar[list[CountingClient]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closed = False
        CountingClient.opened.append(self)

    def close(self) -> None:
        self.closed = True
        super().close()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[CountingClient]:
    CountingClient.opened = []
    monkeypatch.setattr(client_module, "KubeClient", CountingClient)
    return CountingClient


def test_one_client_serves_the_whole_lesson_session(
    lab: LabCluster, counting: type[CountingClient]
) -> None:
    loaded = load_course(COURSE).lessons[0]
    grader = ClusterGrader()
    bindings = grader.start_lesson(lab, loaded, {})
    first = loaded.lesson.steps[0].id
    assert grader.grade(lab, loaded, first, bindings).status == "failed"
    grader.apply_solution(lab, loaded, first, bindings)
    assert grader.grade(lab, loaded, first, bindings).status == "passed"
    grader.reset_step(lab, loaded, first, bindings)
    assert len(counting.opened) == 1, "every call after the first reuses the session's client"
    list(grader.watch(lab, lab.namespace, "v1", "Service", timeout=1))  # until the server ends it
    assert len(counting.opened) == 2, "the watches get one client of their own"
    assert not any(c.closed for c in counting.opened)
    grader.close()
    assert all(c.closed for c in counting.opened)
    # a new session opens a fresh client
    grader.grade(lab, loaded, first, bindings)
    assert len(counting.opened) == 3 and not counting.opened[-1].closed
    grader.close()


async def test_leaving_the_lesson_closes_the_graders_clients(
    lab: LabCluster, tmp_path: Path, counting: type[CountingClient]
) -> None:
    from test_tui_lessons import make_app, open_first_lesson

    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        await pilot.press("c")
        await wait_for(lambda: screen.step.id in screen.results, what="the check")
        assert counting.opened and not all(c.closed for c in counting.opened)
        await pilot.press("l")
        await wait_for(lambda: isinstance(app.screen, HomeScreen), what="the lesson list")
        await wait_for(
            lambda: all(c.closed for c in counting.opened), what="the clients to be closed"
        )


def test_a_rewritten_kubeconfig_opens_a_new_client(
    lab: LabCluster, tmp_path: Path, counting: type[CountingClient]
) -> None:
    """The cluster came back with new credentials (a restarted simulator writes a new token):
    the next call uses the new kubeconfig instead of failing with 401 until the TUI restarts."""
    import dataclasses
    import os

    own = tmp_path / "kubeconfig"
    own.write_text(lab.kubeconfig.read_text())
    cluster = dataclasses.replace(lab, kubeconfig=own)
    loaded = load_course(COURSE).lessons[0]
    grader = ClusterGrader()
    bindings = grader.start_lesson(cluster, loaded, {})
    first = loaded.lesson.steps[0].id
    grader.grade(cluster, loaded, first, bindings)
    assert len(counting.opened) == 1
    own.write_text(own.read_text().replace("current-context:", "current-context: ") + "\n")
    stat = own.stat()
    os.utime(own, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert grader.grade(cluster, loaded, first, bindings).status == "failed"
    assert len(counting.opened) == 2
    assert counting.opened[0].closed and not counting.opened[1].closed
    grader.grade(cluster, loaded, first, bindings)
    assert len(counting.opened) == 2
    grader.close()
