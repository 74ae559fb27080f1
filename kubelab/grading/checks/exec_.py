"""`exec`: run a command inside a cluster pod (never on the learner's host)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from kubelab.grading.checks.base import CheckBase, PodRef, StrictModel
from kubelab.grading.context import CheckContext, GradingError
from kubelab.grading.pods import Ran, run_in, target_pods
from kubelab.grading.results import CheckOutcome


class ExecExpect(StrictModel):
    exit_code: int | None = Field(default=0, description="null accepts any exit code")
    stdout_contains: list[str] = Field(default_factory=list)
    stdout_not_contains: list[str] = Field(default_factory=list)
    stdout_regex: str | None = None
    stderr_contains: list[str] = Field(default_factory=list)


class Spec(CheckBase):
    kind: Literal["exec"]
    pod: PodRef
    command: list[str] = Field(min_length=1, description="argv, never a shell line")
    expect: ExecExpect = Field(default_factory=ExecExpect)


def _excerpt(text: str, limit: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."


def judge(expect: ExecExpect, ran: Ran) -> list[str]:
    """What is wrong with the command's result (empty: it is as expected)."""
    problems: list[str] = []
    if expect.exit_code is not None and ran.exit_code != expect.exit_code:
        problems.append(f"exit code {ran.exit_code}, expected {expect.exit_code}")
    for text in expect.stdout_contains:
        if text not in ran.stdout:
            problems.append(f"output lacks {text!r}")
    for text in expect.stdout_not_contains:
        if text in ran.stdout:
            problems.append(f"output contains {text!r}")
    if expect.stdout_regex is not None:
        try:
            found = re.search(expect.stdout_regex, ran.stdout, re.MULTILINE)
        except re.error as exc:
            raise GradingError(f"invalid stdout_regex {expect.stdout_regex!r}: {exc}") from exc
        if not found:
            problems.append(f"output does not match /{expect.stdout_regex}/")
    for text in expect.stderr_contains:
        if text not in ran.stderr:
            problems.append(f"error output lacks {text!r}")
    return problems


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    target = target_pods(spec.pod, ctx)[0]
    ran = run_in(target, spec.command, ctx, timeout=min(spec.timeout, 30.0))
    shown = " ".join(spec.command)
    problems = judge(spec.expect, ran)
    if not problems:
        return CheckOutcome.passed(f"`{shown}` in pod {target.name} gave what was expected")
    output = _excerpt(ran.output) or "(no output)"
    return CheckOutcome.failed(f"`{shown}` in pod {target.name}: {'; '.join(problems)}\n{output}")
