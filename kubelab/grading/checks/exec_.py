"""`exec`: run a command inside a cluster pod (never on the learner's host)."""

from __future__ import annotations

import re

from kubelab.grading.checks.kind import CheckKind, ServiceTarget
from kubelab.grading.checks.targets import service_of_url
from kubelab.grading.context import CheckContext, GradingError
from kubelab.grading.live import expected_texts
from kubelab.grading.pods import Ran, run_in, target_pods
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.exec_ import ExecExpect, Spec


def _excerpt(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


def judge(expect: ExecExpect, ran: Ran, ctx: CheckContext) -> list[str]:
    """What is wrong with the command's result (empty: it is as expected)."""
    problems: list[str] = []
    if expect.exit_code is not None and ran.exit_code != expect.exit_code:
        problems.append(f"the exit code should be {expect.exit_code}; it is {ran.exit_code}")
    for text in expected_texts(expect.stdout_contains, ctx):
        if text not in ran.stdout:
            problems.append(f"the output should contain {text!r}; it does not")
    for text in expected_texts(expect.stdout_not_contains, ctx):
        if text in ran.stdout:
            problems.append(f"the output should not contain {text!r}; it does")
    if expect.stdout_regex is not None:
        try:
            found = re.search(expect.stdout_regex, ran.stdout, re.MULTILINE)
        except re.error as exc:
            raise GradingError(f"invalid stdout_regex {expect.stdout_regex!r}: {exc}") from exc
        if not found:
            # the pattern is the lesson's business: the learner is shown the output itself
            problems.append("the output is not in the form this step expects")
    for text in expect.stderr_contains:
        if text not in ran.stderr:
            problems.append(f"the error output should contain {text!r}; it does not")
    return problems


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    target = target_pods(spec.pod, ctx)[0]
    ran = run_in(target, spec.command, ctx, timeout=min(spec.timeout, 30.0))
    shown = " ".join(spec.command)
    problems = judge(spec.expect, ran, ctx)
    if not problems:
        return CheckOutcome.passed(f"`{shown}` in pod {target.name} gave what was expected")
    output = _excerpt(ran.output) or "(no output)"
    return CheckOutcome.failed(f"`{shown}` in pod {target.name}: {'; '.join(problems)}\n{output}")


def _service_of(spec: Spec) -> ServiceTarget | None:
    """A command that fetches a Service's URL (curl, wget): that Service."""
    for arg in spec.command:
        if arg.startswith(("http://", "https://")):
            return service_of_url(arg)
    return None


KIND = CheckKind(Spec, evaluate, reads_service_path=True, service_of=_service_of)
