"""The engine's watches end a failing check's wait as soon as what it reads changes: a watch
event that arrives after the fix wakes the waiting check (counted, not timed)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from pydantic import TypeAdapter

from kubelab.cluster.client import KubeClient
from kubelab.grading import engine
from kubelab.grading.changes import ChangeSignal, StepWatcher, watched_kinds
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import run_checks
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


class RecordingSignal(ChangeSignal):
    """Remembers the generation each wake-up saw."""

    def __init__(self) -> None:
        super().__init__()
        self.woken_at: list[int] = []
        self.waits = 0

    def wait(self, seen: int, timeout: float) -> bool:
        self.waits += 1
        woken = super().wait(seen, timeout)
        if woken:
            self.woken_at.append(self.generation)
        return woken


def test_a_fix_wakes_the_waiting_check(
    client: KubeClient, ctx: CheckContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no polling before the check's 20 s timeout: only a watch event can end a wait early
    monkeypatch.setattr(engine, "MAX_INTERVAL", 30.0)
    client.apply(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "wake"},
            "spec": {"selector": {"run": "broken"}, "ports": [{"port": 80}]},
        }
    )
    spec = SPEC.validate_python(
        {
            "name": "wake selects run=fixed",
            "explain": "-",
            "kind": "assert",
            "timeout": 20,
            "object": {"kind": "Service", "name": "wake"},
            "match": {"spec": {"selector": {"run": "fixed"}}},
        }
    )
    kinds = watched_kinds([spec])
    assert kinds == {("v1", "Service")}
    signal = RecordingSignal()
    watcher = StepWatcher(client, ctx.namespace, kinds, signal)
    ctx.waker = watcher
    before_fix: list[int] = []

    def fix() -> None:
        # the watch's initial list woke the check once; fix when it waits again, so the check
        # can pass only by a wake-up after the fix (or by its final poll, 20 s on)
        for _ in range(600):
            if signal.woken_at and signal.waits == len(signal.woken_at) + 1:
                break
            threading.Event().wait(0.05)
        before_fix.append(signal.generation)
        client.patch("v1", "Service", "wake", {"spec": {"selector": {"run": "fixed"}}})

    fixer = threading.Thread(target=fix, daemon=True)
    fixer.start()
    try:
        [result] = run_checks([spec], ctx, interval=30.0, diagnose=False)
    finally:
        watcher.stop()
        ctx.waker = None
    fixer.join(timeout=30)
    assert result.status == "passed", result.message
    assert before_fix and signal.woken_at, "the watch never delivered the initial Services"
    assert any(seen > before_fix[0] for seen in signal.woken_at), signal.woken_at
