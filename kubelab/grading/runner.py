"""Grading runs behind `kubelab grade`: the live state of a lab, or a learner's submission.

- `grade_lesson`: grade steps of a lesson against what is in the cluster now.
- `grade_submission` (CI mode for classrooms): a fresh namespace, the lesson's setup, then the
  learner's manifests from a folder (`submission.py`), then, once the namespace has settled (pods
  started or visibly failed, endpoints computed: `settle.py`), the checks, each polled only
  briefly (`SETTLED_GRACE`), so a wrong submission's verdict comes in seconds rather than after
  every check's timeout; the namespace is removed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError, LabCluster
from kubelab.grading.actions import (
    ActionFailed,
    KubeconfigClient,
    apply_actions,
)
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.context import GradingError, make_context
from kubelab.grading.engine import grade_step
from kubelab.grading.references import named_objects
from kubelab.grading.results import CheckResult, LessonResult, Location, Status, StepResult
from kubelab.grading.selftest import fresh_namespace
from kubelab.grading.settle import wait_settled
from kubelab.grading.submission import SubmissionStep, apply_submission
from kubelab.lessons.checks.base import CheckBase
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.problems import LessonLoadError

SETTLED_GRACE = 2.0
"""Seconds a failing check is still polled once the namespace has settled: what may lag behind
settled objects on a real cluster (kube-proxy rules, DNS records) lands within it."""


def grade_lesson(
    cluster: LabCluster,
    loaded: LoadedLesson,
    bindings: Mapping[str, str | int],
    client: KubeconfigClient,
    *,
    step_ids: Sequence[str] | None = None,
    poll: bool = True,
    max_wait: float | None = None,
    recorded: Mapping[str, str | None] | None = None,
) -> LessonResult:
    """Grade `step_ids` (default: every step) against the cluster as it is; `max_wait` caps
    how long each failing check is polled.

    `recorded` (step id -> when the learner passed it, None: not yet) grades the whole lesson
    as a learner's: its end state must hold (the last step's checks and every invariant, graded
    live), while the earlier steps, which later steps may undo, count from that record."""
    lesson = loaded.lesson
    namespace = str(bindings.get("namespace") or cluster.namespace)
    full = {**dict(bindings), "namespace": namespace}
    lab = dataclasses.replace(cluster, namespace=namespace)
    ctx = make_context(client, namespace, full, lab)
    ctx.max_wait = max_wait
    result = LessonResult(lesson.id, lesson.title, namespace=namespace)
    last = lesson.steps[-1].id
    for step in lesson.steps:
        if step_ids is not None and step.id not in step_ids:
            continue
        if recorded is not None and step_ids is None and step.id != last:
            result.steps.append(recorded_step(lab, loaded, step.id, recorded.get(step.id)))
            continue
        result.steps.append(grade_step(lab, loaded, step.id, full, client, poll=poll, context=ctx))
    return result


def recorded_step(
    cluster: LabCluster, loaded: LoadedLesson, step_id: str, passed_at: str | None
) -> StepResult:
    """An earlier step of a lesson graded as a whole: what the learner's progress says."""
    step = loaded.lesson.step(step_id)
    assert step is not None
    result = StepResult(loaded.lesson.id, step.id, step.title)
    missing = cluster.missing(tuple(step.requires))
    status: Status
    if missing:
        status, message = "skipped", "skipped: " + "; ".join(missing)
    elif passed_at:
        status, message = "passed", f"passed at {passed_at} (recorded progress)"
    else:
        status, message = (
            "failed",
            "not passed yet: later steps may undo what this step asks for, so it counts when "
            f"graded while it is the current step (`kubelab grade {loaded.lesson.id}/{step.id}`)",
        )
    result.checks.append(
        CheckResult(
            name=f"step {step.id} passed",
            kind="progress",
            status=status,
            message=message,
            explain="earlier steps count from the learner's recorded progress",
        )
    )
    return result


def settle_timeout(loaded: LoadedLesson, step_ids: Sequence[str] | None) -> float:
    """How long a submission may take to settle: the longest timeout of the graded checks (the
    lesson's own estimate of how long its pods take to start)."""
    timeouts = [
        check.timeout
        for step in loaded.lesson.steps
        if step_ids is None or step.id in step_ids
        for check in cast("list[CheckBase]", step.checks)
    ]
    return max(timeouts, default=10.0)


def locate_checks(loaded: LoadedLesson, steps: list[StepResult], submitted: SubmissionStep) -> None:
    """Point each check at the submitted file (and line) defining an object it names; with a
    single applied file, at that file."""
    files = {location.path for location in submitted.objects.values()}
    only = Location(files.pop()) if len(files) == 1 else None
    for step_result in steps:
        step = loaded.lesson.step(step_result.step_id)
        if step is None:
            continue
        specs = cast("list[CheckBase]", step.checks)
        for check, spec in zip(step_result.checks, specs, strict=False):
            found = [
                submitted.objects[key] for key in named_objects(spec) if key in submitted.objects
            ]
            check.location = found[0] if found else only


def grade_submission(
    cluster: LabCluster,
    loaded: LoadedLesson,
    directory: Path,
    make_client: Callable[[str], KubeconfigClient],
    *,
    step_ids: Sequence[str] | None = None,
    keep_namespace: bool = False,
) -> LessonResult:
    lesson = loaded.lesson
    namespace = fresh_namespace(lesson.id, prefix="kl-grade")
    client = make_client(namespace)
    bindings: dict[str, str | int] = {"namespace": namespace}
    result = LessonResult(lesson.id, lesson.title, namespace=namespace)
    try:
        client.ensure_namespace(namespace, {MANAGED_BY_LABEL: MANAGED_BY_VALUE})
        bindings = allocate_bindings(client, lesson, namespace, cluster=cluster)
        try:
            apply_actions(client, loaded, lesson.setup, bindings)
        except (ActionFailed, LessonLoadError) as exc:
            raise GradingError(f"the lesson's setup cannot be applied: {exc}") from exc
        submitted = apply_submission(client, directory, namespace, bindings)
        submitted.lesson_id = lesson.id
        result.submission = submitted.notes
        settled = wait_settled(client, namespace, settle_timeout(loaded, step_ids))
        graded = grade_lesson(
            cluster, loaded, bindings, client, step_ids=step_ids,
            max_wait=SETTLED_GRACE if settled else None,
        )  # fmt: skip
        locate_checks(loaded, graded.steps, submitted)
        result.steps = [submitted, *graded.steps]
    except (ClusterError, GradingError) as exc:
        failed = StepResult(lesson.id, "setup", "setup")
        failed.checks.append(
            CheckResult("prepare the grading namespace", "action", "error", str(exc))
        )
        result.steps.insert(0, failed)
    finally:
        release_bindings(bindings)
        if not keep_namespace:
            try:
                client.delete_namespace(namespace)
            except ClusterError as exc:
                note = StepResult(lesson.id, "cleanup", "cleanup")
                note.checks.append(
                    CheckResult(f"delete namespace {namespace}", "action", "error", str(exc))
                )
                result.steps.append(note)
        close: Any = getattr(client, "close", None)
        if callable(close):
            close()
    return result
