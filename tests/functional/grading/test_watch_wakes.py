"""The engine's watches end a failing check's wait as soon as what it reads changes: with a poll
interval of 5 s, a fix made 0.3 s in is seen long before the next poll would have looked."""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import TypeAdapter

from kubelab.cluster.client import KubeClient
from kubelab.grading.checks import CheckSpec
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import run_checks

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


def test_a_fix_wakes_the_waiting_check(client: KubeClient, ctx: CheckContext) -> None:
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
            "timeout": 8,
            "object": {"kind": "Service", "name": "wake"},
            "match": {"spec": {"selector": {"run": "fixed"}}},
        }
    )

    def fix() -> None:
        time.sleep(0.3)
        client.patch("v1", "Service", "wake", {"spec": {"selector": {"run": "fixed"}}})

    fixer = threading.Thread(target=fix)
    fixer.start()
    started = time.monotonic()
    [result] = run_checks([spec], ctx, interval=5.0, diagnose=False)
    elapsed = time.monotonic() - started
    fixer.join(timeout=10)
    assert result.status == "passed", result.message
    # polling alone would look again only after 5 s
    assert elapsed < 4.0, f"the fix was seen only after {elapsed:.2f}s"
    assert result.attempts >= 2
