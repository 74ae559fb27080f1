"""Problems found in a lesson or a manifest, each located as `path:line:col`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class LessonProblem:
    """One problem at a place in a file. `line` and `col` are 1-based."""

    path: Path
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class LessonLoadError(Exception):
    """A lesson (or a file it references) does not load; `problems` says every reason why."""

    def __init__(self, problems: list[LessonProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def read_lesson_file(path: Path) -> str:
    """The text of a lesson or manifest file; `LessonLoadError` located at its start when it
    cannot be read or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonLoadError([LessonProblem(path, 1, 1, "not UTF-8 text")]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LessonLoadError([LessonProblem(path, 1, 1, f"cannot read: {reason}")]) from None


class CourseNotFound(Exception):
    """The folder given as a course holds no `lessons/` folder (a usage error)."""
