"""The namespace watcher: resumes from the last resourceVersion, resyncs after a failure, records
failures instead of dying."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubelab.cluster.base import ClusterError, LabCluster
from kubelab.tui.messages import ClusterEvent
from kubelab.tui.watcher import NamespaceWatcher

CLUSTER = LabCluster("sim", "t", Path("/nonexistent"), "ctx", "lab")


def event(name: str, version: str) -> dict[str, Any]:
    return {"type": "ADDED", "object": {"metadata": {"name": name, "resourceVersion": version}}}


class ScriptedGrader:
    """watch() answers from a script: a list of events, or an exception to raise."""

    def __init__(self, script: list[list[dict[str, Any]] | Exception]) -> None:
        self.script = script
        self.calls: list[str | None] = []
        self.done = threading.Event()

    def watch(
        self,
        cluster: Any,
        namespace: str,
        api_version: str,
        kind: str,
        timeout: int,
        resource_version: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        self.calls.append(resource_version)
        if not self.script:
            self.done.set()
            time.sleep(0.05)
            return iter(())
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return iter(step)


def test_resume_resync_and_failures(monkeypatch: Any) -> None:
    monkeypatch.setattr("kubelab.tui.watcher.RETRY_SECONDS", 0.01)
    grader = ScriptedGrader(
        [
            [event("a", "5"), event("b", "7")],
            [event("c", "9")],
            ClusterError("the watch broke off"),
            RuntimeError("something unexpected"),
            [event("a", "12")],
        ]
    )
    posted: list[ClusterEvent] = []
    watcher = NamespaceWatcher(grader, CLUSTER, "lab", (("v1", "Pod"),), posted.append)  # type: ignore[arg-type]
    watcher.start()
    assert grader.done.wait(5)
    watcher.stop()
    # first watch from scratch, then resumed from the last version seen, then from scratch again
    assert grader.calls[:5] == [None, "7", "9", None, None]
    markers = [m for m in posted if m.event is None]
    assert len(markers) >= 3  # a resync before each watch started from scratch
    names = [m.event["object"]["metadata"]["name"] for m in posted if m.event is not None]
    assert names == ["a", "b", "c", "a"]
    assert watcher.errors == [
        "Pod: the watch broke off",
        "Pod: RuntimeError('something unexpected')",
    ]
