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
    points: float = 1.0
    """What the check is worth (the lesson's `points:`); earned only when it passed."""
    duration: float = 0.0
    attempts: int = 1
    location: Location | None = None
    """The submitted file (and line) this check is about, when known (annotations name it)."""

    @property
    def earned(self) -> float:
        return self.points if self.status == "passed" else 0.0

    def details(self, *, diff: bool = True) -> str:
        """What a failure says, line by line: the message, the hint, the likely causes (and the
        diff)."""
        parts = [self.message]
        if self.explain:
            parts.append(f"hint: {self.explain}")
        parts.extend(f"likely cause: {cause}" for cause in self.diagnosis)
        if diff and self.diff:
            parts.append(self.diff)
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "message": self.message,
            "explain": self.explain,
            "diff": self.diff,
            "diagnosis": list(self.diagnosis),
            "points": _number(self.points),
            "earned": _number(self.earned),
            "file": self.location.to_dict() if self.location else None,
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


@dataclass(frozen=True)
class Location:
    """A place in a submitted file (`path` as given on the command line, relative to the
    submission folder's parent when it can be); `line` 1-based, None for the whole file."""

    path: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line}


def _number(value: float) -> float | int:
    """Points as JSON shows them: 2, not 2.0."""
    return int(value) if float(value).is_integer() else round(value, 4)


@dataclass(frozen=True)
class Points:
    """Points earned of the points possible, over the checks that were graded (a skipped check
    is worth nothing either way)."""

    earned: float
    possible: float

    @classmethod
    def of(cls, checks: list[CheckResult]) -> Points:
        graded = [c for c in checks if c.status != "skipped"]
        return cls(sum(c.earned for c in graded), sum(c.points for c in graded))

    @property
    def score(self) -> float | None:
        """earned / possible, None when nothing was graded (there is no score to give)."""
        return self.earned / self.possible if self.possible else None

    def to_dict(self) -> dict[str, Any]:
        return {"earned": _number(self.earned), "possible": _number(self.possible)}

    def shown(self) -> str:
        """`7/9 points (78%)`, or `no points graded`."""
        score = self.score
        if score is None:
            return "no points graded"
        return f"{self.earned:g}/{self.possible:g} points ({_percent(score)})"


def _percent(score: float) -> str:
    """A percentage that never rounds a partial score up to 100% or down to 0%."""
    value = score * 100
    if 0 < value < 1:
        return "<1%"
    if 99 < value < 100:
        return ">99%"
    return f"{value:.0f}%"


def _score(checks: list[CheckResult]) -> float | None:
    return Points.of(checks).score


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 4)


@dataclass(frozen=True)
class Adjustment:
    """A submitted object kubelab did not apply as written: `dropped` (a Namespace: grading
    happens in a namespace of kubelab's own) or `moved` (it named another namespace and was put
    in the grading namespace)."""

    action: Literal["dropped", "moved"]
    object: str
    """`Kind/name`"""
    location: Location
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "object": self.object,
            "file": self.location.to_dict(),
            "detail": self.detail,
        }


@dataclass
class SubmissionNotes:
    """What grading a submission found besides the checks: the folder, and every object it did
    not apply as written."""

    directory: str
    adjustments: list[Adjustment] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "adjustments": [a.to_dict() for a in self.adjustments],
        }


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
    def score(self) -> float | None:
        return _score(self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.step_id,
            "title": self.title,
            "status": self.status,
            "passed": self.passed,
            "score": _rounded(self.score),
            "points": Points.of(self.checks).to_dict(),
            "duration": round(self.duration, 4),
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass
class LessonResult:
    lesson_id: str
    title: str
    steps: list[StepResult] = field(default_factory=list)
    namespace: str | None = None
    submission: SubmissionNotes | None = None

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
    def score(self) -> float | None:
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
            "score": _rounded(self.score),
            "points": Points.of(self.checks).to_dict(),
            "duration": round(self.duration, 4),
            "steps": [s.to_dict() for s in self.steps],
            "submission": self.submission.to_dict() if self.submission else None,
        }


REPORT_FORMAT_VERSION = 2
"""2: `points` (per check, step, lesson and run) replace `weight`; `score` is null when nothing
was graded; `error` says why a run could not grade; `submission` lists adjusted objects."""

Verdict = Literal["passed", "failed", "error"]
VERDICT_WORDS: dict[Verdict, str] = {
    "passed": "PASSED",
    "failed": "FAILED",
    "error": "ERROR (could not grade)",
}
STATUSES: tuple[Status, ...] = ("passed", "failed", "error", "skipped")


@dataclass
class Report:
    """Everything one `kubelab grade` or `kubelab test` run found.

    `error`: why the run could not grade at all (no such lesson, cluster not up): the verdict is
    then `error` whatever the lessons hold (reports are still written, so CI finds one)."""

    mode: Literal["grade", "test"]
    lessons: list[LessonResult] = field(default_factory=list)
    cluster: str | None = None
    error: str | None = None

    @property
    def checks(self) -> list[CheckResult]:
        return [c for lesson in self.lessons for c in lesson.checks]

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "error"
        return _combined([lesson.status for lesson in self.lessons])

    @property
    def verdict(self) -> Verdict:
        """passed (skipped checks do not count against it), failed, or error."""
        status = self.status
        return "passed" if status == "skipped" else status

    @property
    def passed(self) -> bool:
        """Nothing failed and nothing errored (skipped checks do not count against it)."""
        return self.verdict == "passed"

    @property
    def points(self) -> Points:
        return Points.of(self.checks)

    @property
    def score(self) -> float | None:
        return self.points.score

    def counts(self) -> dict[Status, int]:
        checks = self.checks
        return {status: sum(1 for c in checks if c.status == status) for status in STATUSES}

    def exit_code(self) -> int:
        """0 all passed (or skipped), 1 something failed, 2 the grader could not decide."""
        return {"passed": 0, "failed": 1, "error": 2}[self.verdict]

    def headline(self) -> str:
        """The one-line verdict every format shares: `FAILED  score 7/9 points (78%)  (7
        passed, 2 failed)`."""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts().items() if n)
        line = f"{VERDICT_WORDS[self.verdict]}  score {self.points.shown()}"
        line += f"  ({counts or 'no checks'})"
        if self.error is not None:
            line += f": {self.error}"
        return line

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "mode": self.mode,
            "cluster": self.cluster,
            "passed": self.passed,
            "status": self.verdict,
            "score": _rounded(self.score),
            "points": self.points.to_dict(),
            "counts": dict(self.counts()),
            "headline": self.headline(),
            "error": self.error,
            "lessons": [lesson.to_dict() for lesson in self.lessons],
        }
