"""The engine: polling until pass or timeout, errors end polling, skips, concurrency."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from kubelab.cluster.base import LabCluster
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import run_check, run_checks
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


def svc_check(timeout: float = 1.0, **extra: Any) -> Any:
    return SPEC.validate_python(
        {
            "name": "svc exists",
            "explain": "apply the Service",
            "kind": "assert",
            "object": {"kind": "Service", "name": "${svc}"},
            "match": {"metadata": {"name": "${svc}"}},
            "timeout": timeout,
            **extra,
        }
    )


def test_polls_until_the_check_passes(fake: Any, ctx: CheckContext, build: Any) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}

    def appear_later(client: Any) -> None:
        if client.calls == 4:
            client.add(build.service("my-nginx", {"run": "my-nginx"}))

    fake.on_call = appear_later
    result = run_check(svc_check(), ctx, interval=0.01)
    assert result.status == "passed"
    assert result.attempts >= 3


def test_times_out_as_failed_with_explanation(ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}
    started = time.monotonic()
    result = run_check(svc_check(timeout=0.3), ctx, interval=0.02)
    assert time.monotonic() - started >= 0.3  # it polled until its timeout
    assert result.status == "failed"
    assert result.attempts > 2
    assert "still so after 0.3s" in result.message
    assert result.explain == "apply the Service"


def test_max_wait_caps_a_long_timeout(ctx: CheckContext) -> None:
    # Grading a learner's live state: a 60 s check gives its verdict after max_wait, not 60 s.
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}
    ctx.max_wait = 0.3
    started = time.monotonic()
    result = run_check(svc_check(timeout=60), ctx, interval=0.02)
    assert time.monotonic() - started < 30
    assert result.status == "failed"
    assert "still so after 0.3s" in result.message


def test_no_polling_evaluates_once(fake: Any, ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}
    result = run_check(svc_check(timeout=5), ctx, poll=False)
    assert result.status == "failed" and result.attempts == 1


def test_error_ends_polling_at_once(fake: Any, ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}
    fake.unreachable = True
    result = run_check(svc_check(timeout=5), ctx)
    assert result.status == "error" and result.attempts == 1


def test_missing_binding_is_an_error(ctx: CheckContext) -> None:
    result = run_check(svc_check(), ctx)
    assert result.status == "error"
    assert "svc" in result.message


def test_missing_capability_skips(ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "x"}
    ctx.cluster = LabCluster("sim", "kubelab", Path("/nonexistent"), "c", "lab")
    result = run_check(svc_check(requires=["loadbalancer"]), ctx)
    assert result.status == "skipped"
    assert "loadbalancer" in result.message


def test_checks_of_a_step_run_concurrently(fake: Any, ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "my-nginx"}
    # every check's first request waits until all four are in flight: one after the other,
    # the barrier would break (and the checks would end as errors)
    barrier = threading.Barrier(4, timeout=30)
    seen: set[int] = set()
    lock = threading.Lock()

    def together(client: Any) -> None:
        with lock:
            first = threading.get_ident() not in seen
            seen.add(threading.get_ident())
        if first:
            barrier.wait()

    fake.on_call = together
    results = run_checks([svc_check(timeout=0.4) for _ in range(4)], ctx, interval=0.05)
    assert [r.status for r in results] == ["failed"] * 4
    assert len(seen) == 4


def test_failed_service_check_carries_a_diagnosis(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.service("my-nginx", {"app": "web"}))
    fake.add(build.pod("p", {"run": "my-nginx"}, "10.244.0.5"))
    spec = SPEC.validate_python(
        {
            "name": "eps",
            "explain": "x",
            "kind": "endpoints",
            "service": "my-nginx",
            "min_ready": 1,
            "timeout": 0.1,
        }
    )
    result = run_check(spec, ctx)
    assert result.status == "failed"
    assert any("app=web" in d and "run=my-nginx" in d for d in result.diagnosis)


def test_names_and_explanations_show_filled_placeholders(ctx: CheckContext) -> None:
    ctx.bindings = {"namespace": "lab", "svc": "web", "port": 30080}
    spec = svc_check(
        timeout=0.1, name="${svc} on nodePort ${port}", explain="curl the node on ${port}"
    )
    result = run_check(spec, ctx, poll=False, diagnose=False)
    assert (result.name, result.explain) == ("web on nodePort 30080", "curl the node on 30080")
    ctx.cluster = LabCluster("sim", "x", Path("/nonexistent"), "x", "lab")
    skipped = run_check(svc_check(name="${svc} ${port}", requires=["multi-node"]), ctx)
    assert skipped.status == "skipped" and skipped.name == "web 30080"
    ctx.bindings = {"namespace": "lab"}
    broken = run_check(spec, ctx, poll=False)
    assert broken.status == "error" and broken.name == "${svc} on nodePort ${port}"
