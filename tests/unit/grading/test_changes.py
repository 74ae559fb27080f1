"""What the engine watches for a step, and the signal that ends a wait."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import TypeAdapter

from kubelab.grading.changes import ChangeSignal, watched_kinds
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


def test_watched_kinds_follow_what_checks_read() -> None:
    deployment = SPEC.validate_python(
        {
            "name": "n",
            "explain": "e",
            "kind": "assert",
            "object": {"kind": "Deployment", "name": "web"},
            "match": {"spec": {"replicas": 2}},
        }
    )
    assert watched_kinds([deployment]) == {("apps/v1", "Deployment")}
    endpoints = SPEC.validate_python(
        {"name": "n", "explain": "e", "kind": "endpoints", "service": "web", "ready": 2}
    )
    assert watched_kinds([endpoints]) == {
        ("v1", "Service"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("v1", "Pod"),
    }


def test_signal_wakes_a_waiter_and_remembers_changes_made_meanwhile() -> None:
    signal = ChangeSignal()
    seen = signal.generation
    assert signal.wait(seen, 0.01) is False
    threading.Timer(0.05, signal.bump).start()
    assert signal.wait(seen, 60.0) is True
    # a change that happened before the wait began still ends it at once
    assert signal.wait(seen, 5.0) is True
