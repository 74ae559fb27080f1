"""The self-test's wrong answers: a step's recorded mistakes must be graded as failing, and the
grader must name the cause the lesson expects.

Each wrong answer is applied on the cluster as the step starts, graded once the namespace has
settled (no polling: a wrong answer must fail now, not after a timeout), and then taken back: the
objects it created are deleted and those it changed are put back as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kubelab.cluster.api_errors import ApiRejected
from kubelab.grading.actions import ActionFailed, KubeconfigClient, apply_objects
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import run_checks
from kubelab.grading.results import CheckResult
from kubelab.grading.settle import wait_settled
from kubelab.lessons.api_versions import api_version_for
from kubelab.lessons.checks.base import CheckBase
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.model import WrongAnswer
from kubelab.objects import Obj

_KEPT_METADATA = ("name", "labels", "annotations")


def _restorable(obj: Obj) -> Obj:
    """`obj` as read from the API, cut down to what applying it again needs."""
    metadata = obj.get("metadata") or {}
    kept: Obj = {key: value for key, value in obj.items() if key not in ("metadata", "status")}
    kept["metadata"] = {key: metadata[key] for key in _KEPT_METADATA if key in metadata}
    return kept


def _ref(obj: Obj) -> tuple[str, str, str]:
    api_version = api_version_for(str(obj.get("kind")), str(obj.get("apiVersion") or ""))
    return api_version, str(obj["kind"]), str(obj["metadata"]["name"])


def _mentions(result: CheckResult, text: str) -> bool:
    wanted = text.lower()
    said = [result.message, result.diff or "", *result.diagnosis]
    return any(wanted in part.lower() for part in said)


def _verdict(wrong: WrongAnswer, results: Sequence[CheckResult]) -> CheckResult:
    name = f"wrong answer {wrong.name!r} is graded as failing, naming {wrong.diagnosis!r}"
    verdict = CheckResult(name=name, kind="wrong_answer", status="passed", message="")
    failed = [result for result in results if result.status == "failed"]
    errors = [result for result in results if result.status == "error"]
    if errors:
        verdict.status = "error"
        verdict.message = "; ".join(f"{r.name}: {r.message}" for r in errors)
    elif not failed:
        verdict.status = "failed"
        verdict.message = "every check passes with this wrong answer applied"
        verdict.explain = "make a check test what this mistake gets wrong"
    elif not any(_mentions(result, wrong.diagnosis) for result in failed):
        verdict.status = "failed"
        said = "; ".join(f"{r.name}: {r.message} {' '.join(r.diagnosis)}".strip() for r in failed)
        verdict.message = f"the failed checks never mention {wrong.diagnosis!r}; they say: {said}"
        verdict.explain = "fix the check's message or the diagnosis, or the wrong answer's text"
    else:
        verdict.message = "rejected: " + "; ".join(r.name for r in failed)
    return verdict


def try_wrong_answer(
    client: KubeconfigClient,
    ctx: CheckContext,
    loaded: LoadedLesson,
    wrong: WrongAnswer,
    checks: Sequence[CheckBase],
    bindings: Mapping[str, str | int],
    *,
    settle_timeout: float = 30.0,
) -> CheckResult:
    """Apply `wrong`, grade `checks` once, take it back; the verdict as one result.
    Raises ActionFailed or LessonLoadError when it cannot be applied or taken back."""
    namespace = ctx.namespace
    objects: list[Obj] = []
    for rel in wrong.manifests:
        objects.extend(read_manifest_docs(loaded.manifest_path(rel), bindings))
    before: list[tuple[tuple[str, str, str], Any]] = []
    for obj in objects:
        ref = _ref(obj)
        before.append((ref, client.get(*ref, namespace)))
    apply_objects(client, objects, namespace, f"wrong answer {wrong.name!r}")
    try:
        wait_settled(client, namespace, settle_timeout)
        results = run_checks(checks, ctx, poll=False, diagnose=True)
    finally:
        _take_back(client, before, namespace)
        wait_settled(client, namespace, settle_timeout)
    return _verdict(wrong, results)


def _take_back(
    client: KubeconfigClient, before: list[tuple[tuple[str, str, str], Any]], namespace: str
) -> None:
    restored: list[Obj] = []
    for (api_version, kind, name), old in before:
        if old is None:
            try:
                client.delete(api_version, kind, name, namespace, grace_period_seconds=0)
            except ApiRejected as exc:
                if exc.status_code != 404:
                    raise ActionFailed(f"cannot delete {kind}/{name}: {exc.message}") from exc
        else:
            restored.append(_restorable(old))
    if restored:
        apply_objects(client, restored, namespace, "the state before the wrong answer")
