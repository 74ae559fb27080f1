"""The self-test (`kubelab test`): prove every step's checks can fail and that its solution passes.

For each lesson, in a fresh namespace: apply setup (and wait for its pods to start, as a learner
reading the step would); then for each step, apply the step's own setup, evaluate its checks once
(no polling) and require each to FAIL (a check that already passes cannot tell a learner's work
from no work: a defect; the one exemption is a step's `invariants`, which hold from their step on
and so may pass already), apply each of the step's wrong answers and require it to be graded as
failing with the diagnosis the lesson names (`wrong_answers.py`), apply the step's solution and
require each check, and every invariant in force, to PASS within its timeout. Lessons run
concurrently; their namespaces are deleted afterwards. Cluster-wide values come from bindings, so
concurrent lessons never collide.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError, LabCluster
from kubelab.grading.actions import ActionFailed, KubeconfigClient, apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.context import CheckContext, GradingError, make_context
from kubelab.grading.engine import DEFAULT_INTERVAL, run_checks, shown_text
from kubelab.grading.results import CheckResult, LessonResult, Report, StepResult
from kubelab.grading.settle import wait_settled
from kubelab.grading.wrong_answers import try_wrong_answer
from kubelab.lessons.checks.base import CheckBase
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.marked_yaml import DataPath
from kubelab.lessons.model import Actions, Step
from kubelab.lessons.problems import LessonLoadError

ClientFactory = Callable[[str], KubeconfigClient]
SELFTEST_LABEL = "kubelab.dev/purpose"
BEFORE = "fails before the solution"
AFTER = "passes after the solution"


def fresh_namespace(lesson_id: str, prefix: str = "kl-test") -> str:
    """A fresh DNS-1123 namespace name for one run of one lesson."""
    return f"{prefix}-{lesson_id}"[:56].rstrip("-") + "-" + secrets.token_hex(3)


def _located(loaded: LoadedLesson, path: DataPath, result: CheckResult) -> CheckResult:
    """`result` with the place in the lesson file it comes from in front of its message, when
    it is an error (the lesson's fault or the cluster's, to be found in the file)."""
    if result.status == "error" and not result.message.startswith(str(loaded.path)):
        line, col = loaded.place(path)
        result.message = f"{loaded.path}:{line}:{col}: {result.message}"
    return result


def _action_error(name: str, message: str) -> CheckResult:
    return CheckResult(name=name, kind="action", status="error", message=message)


def _before(check: CheckResult) -> CheckResult:
    renamed = dataclasses.replace(check, name=f"{check.name} [{BEFORE}]", diff=None)
    if check.status == "passed":
        renamed.status = "failed"
        renamed.message = (
            "this check already passes before the step's solution is applied, so it cannot "
            f"tell the learner's work from no work (it found: {check.message})"
        )
        renamed.explain = (
            "make the check test what this step changes; a step that asks for no change "
            "belongs merged into one that does"
        )
    elif check.status == "failed":
        renamed.status = "passed"
        renamed.message = f"fails as it must before the solution: {check.message}"
    return renamed


def _after(check: CheckResult) -> CheckResult:
    renamed = dataclasses.replace(check, name=f"{check.name} [{AFTER}]")
    if check.status == "failed":
        renamed.message = f"the step's solution does not satisfy this check: {check.message}"
    return renamed


def _skipped_step(
    step_result: StepResult,
    checks: list[CheckBase],
    why: str,
    bindings: Mapping[str, str | int],
) -> None:
    for spec in checks:
        step_result.checks.append(
            CheckResult(
                name=shown_text(spec, bindings)[0],
                kind=spec.kind,
                status="skipped",
                message=f"skipped: {why}",
                points=spec.points,
            )
        )


def selftest_lesson(
    cluster: LabCluster,
    loaded: LoadedLesson,
    make_client: ClientFactory,
    *,
    interval: float = DEFAULT_INTERVAL,
    keep_namespace: bool = False,
    cleanup_timeout: float = 30.0,
    settle_timeout: float = 30.0,
) -> LessonResult:
    """Self-test one lesson in a fresh namespace: its setup, then every step in order until one
    cannot be set up or solved; the namespace is deleted afterwards unless `keep_namespace`."""
    lesson = loaded.lesson
    namespace = fresh_namespace(lesson.id)
    result = LessonResult(lesson.id, lesson.title, namespace=namespace)
    client = make_client(namespace)
    bindings: dict[str, str | int] = {"namespace": namespace}
    try:
        client.ensure_namespace(
            namespace, {MANAGED_BY_LABEL: MANAGED_BY_VALUE, SELFTEST_LABEL: "selftest"}
        )
        bindings = allocate_bindings(client, lesson, namespace, cluster=cluster)
        lab = dataclasses.replace(cluster, namespace=namespace)
        run = _LessonRun(
            loaded=loaded,
            client=client,
            lab=lab,
            ctx=make_context(client, namespace, bindings, lab),
            bindings=bindings,
            interval=interval,
            settle_timeout=settle_timeout,
        )
        if run.set_up_lesson(result):
            for step_index in range(len(lesson.steps)):
                if not run.test_step(step_index, result):
                    break
    except (ClusterError, GradingError) as exc:
        setup = StepResult(lesson.id, "setup", "setup")
        setup.checks.append(_action_error("run the lesson", str(exc)))
        result.steps.insert(0, setup)
    finally:
        release_bindings(bindings)
        if not keep_namespace:
            _cleanup(client, namespace, cleanup_timeout, result)
        close = getattr(client, "close", None)
        if callable(close):
            close()
    return result


@dataclasses.dataclass(frozen=True)
class _LessonRun:
    """What every part of one lesson's self-test works with, once its namespace exists."""

    loaded: LoadedLesson
    client: KubeconfigClient
    lab: LabCluster
    ctx: CheckContext
    bindings: Mapping[str, str | int]
    interval: float
    settle_timeout: float

    def set_up_lesson(self, result: LessonResult) -> bool:
        """Apply the lesson's setup and wait for its pods; False (and a `setup` step holding
        the error) when it cannot be applied."""
        setup = StepResult(result.lesson_id, "setup", "setup")
        if not self._applied(self.loaded.lesson.setup, "the lesson's setup", ("setup",), setup):
            result.steps.append(setup)
            return False
        self._settle()
        return True

    def test_step(self, step_index: int, result: LessonResult) -> bool:
        """Self-test one step into a new entry of `result`; False when the step cannot be set up
        or solved, which leaves the later steps untested."""
        step = self.loaded.lesson.steps[step_index]
        at: DataPath = ("steps", step_index)
        started = time.monotonic()
        step_result = StepResult(result.lesson_id, step.id, step.title)
        result.steps.append(step_result)
        checks = cast("list[CheckBase]", step.checks)
        missing = self.lab.missing(tuple(step.requires))
        if step.setup.manifests or step.setup.commands:
            if not self._applied(step.setup, "the step's setup", (*at, "setup"), step_result):
                return False
            self._settle()
        if missing:
            _skipped_step(step_result, checks, "; ".join(missing), self.bindings)
        else:
            self._check_fails_before(checks, at, step_result)
            self._try_wrong_answers(step, checks, at, step_result)
        if not self._applied(step.solution, "the step's solution", (*at, "solution"), step_result):
            return False
        if not missing:
            self._check_passes_after(step, checks, at, step_result)
        self._settle()
        step_result.duration = time.monotonic() - started
        return True

    def _applied(self, actions: Actions, what: str, place: DataPath, into: StepResult) -> bool:
        """Apply `actions`; False, with the error located at `place` in `into`, when the cluster
        refuses them or a manifest is broken."""
        try:
            apply_actions(self.client, self.loaded, actions, self.bindings)
        except (ActionFailed, LessonLoadError) as exc:
            into.checks.append(
                _located(self.loaded, place, _action_error(f"apply {what}", str(exc)))
            )
            return False
        return True

    def _settle(self) -> None:
        wait_settled(self.client, self.ctx.namespace, self.settle_timeout)

    def _check_fails_before(self, checks: list[CheckBase], at: DataPath, into: StepResult) -> None:
        """Evaluate the step's checks once, before its solution: each must fail."""
        before = run_checks(checks, self.ctx, poll=False, diagnose=False)
        into.checks.extend(
            _located(self.loaded, (*at, "checks", i), _before(c)) for i, c in enumerate(before)
        )

    def _try_wrong_answers(
        self, step: Step, checks: list[CheckBase], at: DataPath, into: StepResult
    ) -> None:
        """Each of the step's wrong answers must be graded as failing, with its diagnosis."""
        for wrong_index, wrong in enumerate(step.wrong_answers):
            try:
                verdict = try_wrong_answer(
                    self.client,
                    self.ctx,
                    self.loaded,
                    wrong,
                    checks,
                    self.bindings,
                    settle_timeout=self.settle_timeout,
                )
            except (ActionFailed, LessonLoadError) as exc:
                verdict = _action_error(f"apply wrong answer {wrong.name!r}", str(exc))
            where = (*at, "wrong_answers", wrong_index)
            into.checks.append(_located(self.loaded, where, verdict))

    def _check_passes_after(
        self, step: Step, checks: list[CheckBase], at: DataPath, into: StepResult
    ) -> None:
        """After the solution, the step's checks and every invariant in force must pass (polled
        within their timeouts)."""
        lesson = self.loaded.lesson
        # invariants hold from their step on; they need not fail before the solution
        places = [(*at, "checks", i) for i in range(len(checks))]
        for index, earlier in enumerate(lesson.steps[: lesson.step_index(step.id) + 1]):
            places += [("steps", index, "invariants", i) for i in range(len(earlier.invariants))]
        invariants = cast("list[CheckBase]", lesson.invariants_through(step.id))
        after = run_checks([*checks, *invariants], self.ctx, poll=True, interval=self.interval)
        into.checks.extend(
            _located(self.loaded, place, _after(c)) for place, c in zip(places, after, strict=True)
        )


def _cleanup(
    client: KubeconfigClient, namespace: str, timeout: float, result: LessonResult
) -> None:
    try:
        client.delete_namespace(namespace)
        deadline = time.monotonic() + timeout
        while client.get("v1", "Namespace", namespace) is not None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
    except ClusterError as exc:
        cleanup = StepResult(result.lesson_id, "cleanup", "cleanup")
        cleanup.checks.append(_action_error(f"delete namespace {namespace}", str(exc)))
        result.steps.append(cleanup)


def run_selftest(
    cluster: LabCluster,
    lessons: Sequence[LoadedLesson],
    make_client: ClientFactory,
    *,
    jobs: int = 4,
    interval: float = DEFAULT_INTERVAL,
    keep_namespaces: bool = False,
) -> Report:
    """Self-test `lessons` concurrently (at most `jobs` at a time); results in course order."""
    report = Report("test", cluster=f"{cluster.provider}:{cluster.name}")
    if not lessons:
        return report
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(lessons)))) as pool:
        futures = [
            pool.submit(
                selftest_lesson,
                cluster,
                loaded,
                make_client,
                interval=interval,
                keep_namespace=keep_namespaces,
            )
            for loaded in lessons
        ]
        report.lessons = [f.result() for f in futures]
    return report
