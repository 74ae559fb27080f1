"""Results of grading: one per check, per step, per lesson, and the report that holds them.

`status` is one of passed, failed, error, skipped. "error" means the grader could not decide (the
cluster was unreachable, the API timed out, the lesson is broken): it is never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True)
class CheckOutcome:
    """What one evaluation of a check found."""

    status: Status
    message: str
    diff: str | None = None

    @classmethod
    def passed(cls, message: str) -> CheckOutcome:
        return cls("passed", message)

    @classmethod
    def failed(cls, message: str, diff: str | None = None) -> CheckOutcome:
        return cls("failed", message, diff)

    @classmethod
    def error(cls, message: str) -> CheckOutcome:
        return cls("error", message)


@dataclass
class CheckResult:
    """The verdict on one check after polling ended."""

    name: str
    kind: str
    status: Status
    message: str
    explain: str = ""
    diff: str | None = None
    diagnosis: list[str] = field(default_factory=list)
    weight: float = 1.0
    duration: float = 0.0
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "explain": self.explain,
            "diff": self.diff,
            "diagnosis": list(self.diagnosis),
            "weight": self.weight,
            "duration": round(self.duration, 4),
            "attempts": self.attempts,
        }


def _combined(statuses: list[Status]) -> Status:
    """error beats failed beats passed; all skipped (or nothing) is skipped."""
    if "error" in statuses:
        return "error"
    if "failed" in statuses:
        return "failed"
    if any(s == "passed" for s in statuses):
        return "passed"
    return "skipped"


def _score(checks: list[CheckResult]) -> float:
    """Weighted share of passed checks among those that were graded (skipped ones do not count)."""
    graded = [c for c in checks if c.status != "skipped"]
    total = sum(c.weight for c in graded)
    if total == 0:
        return 1.0 if graded else 0.0
    return sum(c.weight for c in graded if c.status == "passed") / total


@dataclass
class StepResult:
    lesson_id: str
    step_id: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def status(self) -> Status:
        return _combined([c.status for c in self.checks])

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def score(self) -> float:
        return _score(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.step_id,
            "title": self.title,
            "status": self.status,
            "passed": self.passed,
            "score": round(self.score, 4),
            "duration": round(self.duration, 4),
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass
class LessonResult:
    lesson_id: str
    title: str
    steps: list[StepResult] = field(default_factory=list)
    namespace: str | None = None

    @property
    def status(self) -> Status:
        return _combined([s.status for s in self.steps])

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def checks(self) -> list[CheckResult]:
        return [c for s in self.steps for c in s.checks]

    @property
    def score(self) -> float:
        return _score(self.checks)

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.lesson_id,
            "title": self.title,
            "namespace": self.namespace,
            "status": self.status,
            "passed": self.passed,
            "score": round(self.score, 4),
            "duration": round(self.duration, 4),
            "steps": [s.to_dict() for s in self.steps],
        }


REPORT_FORMAT_VERSION = 1


@dataclass
class Report:
    """Everything one `kubelab grade` or `kubelab test` run found."""

    mode: Literal["grade", "test"]
    lessons: list[LessonResult] = field(default_factory=list)
    cluster: str | None = None

    @property
    def status(self) -> Status:
        return _combined([lesson.status for lesson in self.lessons])

    @property
    def passed(self) -> bool:
        """Nothing failed and nothing errored (skipped checks do not count against it)."""
        return self.status in ("passed", "skipped")

    @property
    def score(self) -> float:
        return _score([c for lesson in self.lessons for c in lesson.checks])

    def exit_code(self) -> int:
        """0 all passed (or skipped), 1 something failed, 2 the grader could not decide."""
        status = self.status
        if status == "error":
            return 2
        if status == "failed":
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        checks = [c for lesson in self.lessons for c in lesson.checks]
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "mode": self.mode,
            "cluster": self.cluster,
            "passed": self.passed,
            "status": self.status,
            "score": round(self.score, 4),
            "counts": {
                status: sum(1 for c in checks if c.status == status)
                for status in ("passed", "failed", "error", "skipped")
            },
            "lessons": [lesson.to_dict() for lesson in self.lessons],
        }
