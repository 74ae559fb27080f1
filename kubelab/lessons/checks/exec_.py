"""`exec`: run a command inside a cluster pod (never on the learner's host)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kubelab.lessons.checks.base import CheckBase, LiveValue, PodRef, StrictModel


class ExecExpect(StrictModel):
    exit_code: int | None = Field(default=0, description="null accepts any exit code")
    stdout_contains: list[str | LiveValue] = Field(
        default_factory=list,
        description="texts the output must contain; a live value (e.g. a Service's clusterIP) is "
        "read when the check runs, and a list it yields means every item",
    )
    stdout_not_contains: list[str | LiveValue] = Field(default_factory=list)
    stdout_regex: str | None = None
    stderr_contains: list[str] = Field(default_factory=list)


class Spec(CheckBase):
    kind: Literal["exec"]
    pod: PodRef
    command: list[str] = Field(min_length=1, description="argv, never a shell line")
    expect: ExecExpect = Field(default_factory=ExecExpect)
