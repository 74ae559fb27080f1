"""The engine: evaluate a step's checks, polling each until it passes or its timeout ends.

One evaluation of a check gives passed, failed or error. The engine re-evaluates a failed check
after 50 ms (like chainsaw), then less often (up to every 0.5 s), until it passes or its timeout
is over; an error (the cluster does not answer, the lesson is broken) ends polling at once and is
never reported as a wrong answer. A step's checks run concurrently, so a step costs its slowest
check, not their sum. While a check waits, watches on the kinds the step's checks read end the
wait as soon as one of those objects changes (`changes.py`); polling stays the fallback.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, cast

from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import ClusterError, ClusterUnreachable
from kubelab.grading.bindings import render_spec, render_text
from kubelab.grading.changes import ChangeSignal, StepWatcher, WatchingApi, watched_kinds
from kubelab.grading.checks import REGISTRY
from kubelab.grading.context import CheckContext, ClusterApi, GradingError, make_context
from kubelab.grading.diagnose import diagnose_check
from kubelab.grading.live import LiveValueMissing
from kubelab.grading.matcher import ExpressionError
from kubelab.grading.pods import NoTargetPod
from kubelab.grading.results import CheckOutcome, CheckResult, StepResult
from kubelab.lessons.checks.base import CheckBase

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster
    from kubelab.lessons.loader import LoadedLesson

DEFAULT_INTERVAL = 0.05
# A check that keeps failing is re-evaluated less and less often (up to every 0.5 s), so a long
# timeout on a real cluster does not mean twenty execs a second.
BACKOFF = 1.5
MAX_INTERVAL = 0.5
# After a watch event, a short pause so related changes arrive before the check looks again.
SETTLE = 0.01


def evaluate_once(spec: CheckBase, ctx: CheckContext) -> CheckOutcome:
    """One evaluation, with every exception turned into the outcome it means."""
    try:
        return REGISTRY[spec.kind].evaluate(spec, ctx)
    except (NoTargetPod, LiveValueMissing) as exc:
        return CheckOutcome.failed(str(exc))
    except (GradingError, ExpressionError) as exc:
        return CheckOutcome.error(str(exc))
    except ClusterUnreachable as exc:
        return CheckOutcome.error(exc.message)
    except ApiRejected as exc:
        return CheckOutcome.error(f"the API refused a request of the grader: {exc}")
    except ClusterError as exc:
        return CheckOutcome.error(str(exc))


def shown_text(spec: CheckBase, bindings: Mapping[str, str | int]) -> tuple[str, str]:
    """A check's name and explanation as reports show them: `${...}` filled in (left as
    written when a placeholder has no value: the check itself then reports that error)."""
    try:
        name = render_text(spec.name, bindings)
        explain = render_text(spec.explain, bindings)
    except GradingError:
        return spec.name, spec.explain
    return name, explain


def run_check(
    spec: CheckBase,
    ctx: CheckContext,
    *,
    poll: bool = True,
    interval: float = DEFAULT_INTERVAL,
    diagnose: bool = True,
) -> CheckResult:
    """Evaluate `spec` (placeholders filled from the context's bindings) until it passes, errs or
    times out; `poll=False` evaluates exactly once (the self-test's "must fail first" phase)."""
    started = time.monotonic()
    name, explain = shown_text(spec, ctx.bindings)
    result = CheckResult(name=name, kind=spec.kind, status="error", message="", explain=explain)
    result.points = spec.points
    if ctx.cluster is not None:
        missing = ctx.cluster.missing(tuple(spec.requires))
        if missing:
            result.status = "skipped"
            result.message = "skipped: " + "; ".join(missing)
            return result
    try:
        rendered = render_spec(spec, ctx.bindings)
    except GradingError as exc:
        result.message = str(exc)
        return result
    timeout = spec.timeout if ctx.max_wait is None else min(spec.timeout, ctx.max_wait)
    outcome, attempts = _poll(rendered, ctx, started + timeout, interval, poll=poll)
    result.status = outcome.status
    result.message = outcome.message
    result.diff = outcome.diff
    result.attempts = attempts
    if outcome.status == "failed" and poll and attempts > 1:
        result.message += f" (still so after {timeout:g}s)"
    if outcome.status == "failed" and diagnose:
        result.diagnosis = diagnose_check(rendered, ctx)
    result.duration = time.monotonic() - started
    return result


def _poll(
    spec: CheckBase, ctx: CheckContext, deadline: float, interval: float, *, poll: bool
) -> tuple[CheckOutcome, int]:
    """Evaluate until the check passes, errs or `deadline` passes (once when not `poll`),
    waking early when the step's watches see a change; the last outcome and the attempts."""
    attempts = 0
    delay = interval
    waker = ctx.waker
    while True:
        attempts += 1
        seen = waker.signal.generation if waker is not None else 0
        outcome = evaluate_once(spec, ctx)
        if outcome.status != "failed" or not poll:
            return outcome, attempts
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return outcome, attempts
        if waker is None:
            ctx.stopped.wait(min(delay, remaining))
        else:
            waker.ensure_started()
            if waker.signal.wait(seen, min(delay, remaining)):
                # something the check reads changed: let what comes with it land (a Service
                # and its EndpointSlice), then look again
                ctx.stopped.wait(min(SETTLE, max(0.0, deadline - time.monotonic())))
        if ctx.stopped.is_set():
            return CheckOutcome.error("grading was interrupted"), attempts
        delay = min(delay * BACKOFF, MAX_INTERVAL)


def run_checks(
    specs: Sequence[CheckBase],
    ctx: CheckContext,
    *,
    poll: bool = True,
    interval: float = DEFAULT_INTERVAL,
    diagnose: bool = True,
) -> list[CheckResult]:
    """Every check of a step, concurrently; results in the order of the checks. While polling,
    watches on what the checks read (started when a check first has to wait) end waits early."""
    watcher: StepWatcher | None = None
    if poll and ctx.waker is None and isinstance(ctx.client, WatchingApi):
        kinds = watched_kinds(specs)
        if kinds:
            watcher = StepWatcher(ctx.client, ctx.namespace, kinds, ChangeSignal())
            ctx = dataclasses.replace(ctx, waker=watcher)
    try:
        if len(specs) <= 1:
            return [
                run_check(s, ctx, poll=poll, interval=interval, diagnose=diagnose) for s in specs
            ]
        pool = ThreadPoolExecutor(max_workers=min(8, len(specs)))
        try:
            futures = [
                pool.submit(run_check, s, ctx, poll=poll, interval=interval, diagnose=diagnose)
                for s in specs
            ]
            return [f.result() for f in futures]
        except BaseException:
            # Ctrl-C (or a failure) while checks poll: stop them now, not at their timeouts
            ctx.stopped.set()
            if ctx.waker is not None:
                ctx.waker.signal.bump()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if watcher is not None:
            watcher.stop()


def make_client(cluster: LabCluster, namespace: str | None = None) -> ClusterApi:
    from kubelab.cluster.client import KubeClient

    return KubeClient(cluster.kubeconfig, cluster.context, namespace or cluster.namespace)


def grade_step(
    cluster: LabCluster,
    loaded: LoadedLesson,
    step_id: str,
    bindings: Mapping[str, str | int],
    client: ClusterApi | None = None,
    *,
    poll: bool = True,
    context: CheckContext | None = None,
) -> StepResult:
    """Grade one step of a lesson against the cluster's current state (the TUI's entry point):
    its checks and the invariants in force (its own and earlier steps')."""
    lesson = loaded.lesson
    step = lesson.step(step_id)
    if step is None:
        known = ", ".join(s.id for s in lesson.steps)
        raise GradingError(f"lesson {lesson.id} has no step {step_id!r} (steps: {known})")
    namespace = str(bindings.get("namespace") or cluster.namespace)
    if context is None and client is None:
        own = make_client(cluster, namespace)
        try:
            return grade_step(cluster, loaded, step_id, bindings, own, poll=poll)
        finally:
            close = getattr(own, "close", None)
            if callable(close):
                close()
    if context is None:
        assert client is not None
        full = {"namespace": namespace, **dict(bindings)}
        own_context = make_context(client, namespace, full, cluster)
        return grade_step(cluster, loaded, step_id, full, client, poll=poll, context=own_context)
    started = time.monotonic()
    result = StepResult(lesson.id, step.id, step.title)
    missing = cluster.missing(tuple(step.requires))
    checks = cast("list[CheckBase]", [*step.checks, *lesson.invariants_through(step.id)])
    if missing:
        for spec in checks:
            name, explain = shown_text(spec, context.bindings)
            result.checks.append(
                CheckResult(
                    name=name,
                    kind=spec.kind,
                    status="skipped",
                    message="skipped: " + "; ".join(missing),
                    explain=explain,
                    points=spec.points,
                )
            )
        return result
    result.checks = run_checks(checks, context, poll=poll)
    result.duration = time.monotonic() - started
    return result
