"""A learner's progress: which steps passed and when, hints used, solutions applied, the current
step, and the bindings each lesson was started with.

Stored as JSON in the user state dir (platformdirs; `KUBELAB_STATE_DIR` overrides it) with a
`format_version`. Every save writes a temporary file, fsyncs it and renames it over the old one, so
killing kubelab at any moment leaves either the old or the new file, never a torn one (the next
save removes the temporary file a killed save left behind). A file that
is corrupt or from a newer kubelab is set aside (renamed, never deleted) with a notice, not a crash.
Saves hold an advisory lock so the TUI and `kubelab grade` in another terminal do not lose updates.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from kubelab.files import locked, write_atomic

FORMAT_VERSION = 1
STATE_DIR_ENV = "KUBELAB_STATE_DIR"
FILE_NAME = "progress.json"
ORPHAN_AGE = 60.0  # seconds after which a temporary file without a pid is a leftover


def state_dir() -> Path:
    """Where kubelab keeps state: `$KUBELAB_STATE_DIR`, else the platform's user state dir."""
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("kubelab"))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class StepProgress:
    passed_at: str | None = None
    attempts: int = 0
    hints_used: int = 0
    solution_applied: bool = False
    setup_applied: bool = False
    """The step's own setup (a breakage mid-lesson) was applied when the learner reached it."""


@dataclass
class LessonProgress:
    started_at: str | None = None
    bindings: dict[str, str | int] = field(default_factory=dict)
    steps: dict[str, StepProgress] = field(default_factory=dict)

    def step(self, step_id: str) -> StepProgress:
        return self.steps.setdefault(step_id, StepProgress())


@dataclass
class Progress:
    format_version: int = FORMAT_VERSION
    current_lesson: str | None = None
    current_step: str | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)

    def lesson(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress(started_at=now()))

    def passed(self, lesson_id: str, step_id: str) -> bool:
        lesson = self.lessons.get(lesson_id)
        step = lesson.steps.get(step_id) if lesson else None
        return bool(step and step.passed_at)


# -- reading the file's JSON into the classes above ---------------------------------------------
# Plain dataclasses and these few checks, not a validation library: the progress file is read on
# every start of the TUI, before its first frame. Keys the classes do not have are ignored (a
# newer kubelab of the same format version may add some); a value of the wrong type is an error.


class ProgressFormatError(ValueError):
    """The file's JSON does not have the shape of the classes above."""


def _scalars(data: dict[str, object], cls: type[object], where: str) -> dict[str, object]:
    """The fields of dataclass `cls` found in `data` whose values are str/int/bool/None, each
    checked against the type of the field's default."""
    values: dict[str, object] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in data or not isinstance(f.default, (str, int, bool, type(None))):
            continue
        value = data[f.name]
        wanted = type(f.default)
        ok = (
            isinstance(value, (str, type(None)))
            if f.default is None
            else type(value) is wanted  # a bool is not an int here, nor an int a bool
        )
        if not ok:
            raise ProgressFormatError(f"{where}.{f.name}: {value!r} is not a {wanted.__name__}")
        values[f.name] = value
    return values


def _mapping(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ProgressFormatError(f"{where}: not a JSON object")
    return value


def _lesson(data: dict[str, object], where: str) -> LessonProgress:
    lesson = LessonProgress(**_scalars(data, LessonProgress, where))  # type: ignore[arg-type]
    for name, value in _mapping(data.get("bindings", {}), f"{where}.bindings").items():
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ProgressFormatError(f"{where}.bindings.{name}: {value!r} is not a str or int")
        lesson.bindings[name] = value
    for step_id, step in _mapping(data.get("steps", {}), f"{where}.steps").items():
        step_where = f"{where}.steps.{step_id}"
        lesson.steps[step_id] = StepProgress(
            **_scalars(_mapping(step, step_where), StepProgress, step_where)  # type: ignore[arg-type]
        )
    return lesson


def progress_from_json(data: dict[str, object]) -> Progress:
    """The Progress a parsed progress file holds; ProgressFormatError if it has another shape."""
    progress = Progress(**_scalars(data, Progress, "progress"))  # type: ignore[arg-type]
    for lesson_id, lesson in _mapping(data.get("lessons", {}), "lessons").items():
        progress.lessons[lesson_id] = _lesson(
            _mapping(lesson, f"lessons.{lesson_id}"), f"lessons.{lesson_id}"
        )
    return progress


class ProgressStore:
    """Load and save progress atomically. `notices` collects messages for the user (a file set
    aside), which the CLI prints to stderr and the TUI shows."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else state_dir() / FILE_NAME
        self.notices: list[str] = []

    # -- reading --------------------------------------------------------------------------------

    def _set_aside(self, why: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.{why}-{stamp}")
        counter = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.{why}-{stamp}-{counter}")
            counter += 1
        os.replace(self.path, target)
        self.notices.append(
            f"progress file {self.path} was {why}; it was moved to {target.name} and progress "
            "starts afresh"
        )

    def load(self) -> Progress:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Progress()
        except OSError as exc:
            self.notices.append(f"cannot read progress file {self.path}: {exc.strerror}")
            return Progress()
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            version = data.get("format_version")
            if isinstance(version, int) and version > FORMAT_VERSION:
                self._set_aside("from-newer-kubelab")
                return Progress()
            if version != FORMAT_VERSION:
                raise ValueError(f"unknown format_version {version!r}")
            return progress_from_json(data)
        except ValueError:  # ProgressFormatError included
            self._set_aside("corrupt")
            return Progress()

    # -- writing --------------------------------------------------------------------------------

    def save(self, progress: Progress) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        progress.format_version = FORMAT_VERSION
        payload = json.dumps(asdict(progress), indent=2, sort_keys=True) + "\n"
        # The temporary file is named after this process, so a later save can tell the leftovers
        # of a writer that was killed mid-save (its process is gone) from a save in progress.
        write_atomic(self.path, payload, prefix=f"{self._temp_prefix()}{os.getpid()}.")

    def _temp_prefix(self) -> str:
        return f".{self.path.name}."

    def remove_orphans(self) -> list[Path]:
        """Delete temporary files left by saves whose process was killed mid-save (their pid is
        gone, or, where pids cannot be checked, they are over a minute old); returns them."""
        removed = []
        prefix = self._temp_prefix()
        for temp in self.path.parent.glob(f"{prefix}*"):
            pid_text = temp.name[len(prefix) :].split(".", 1)[0]
            if pid_text.isdigit() and sys.platform != "win32":
                if int(pid_text) == os.getpid() or _process_alive(int(pid_text)):
                    continue
            else:
                try:
                    if time.time() - temp.stat().st_mtime < ORPHAN_AGE:
                        continue
                except FileNotFoundError:
                    continue
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
                removed.append(temp)
        return removed

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return locked(self.path.with_name(self.path.name + ".lock"))

    def update(self, change: Callable[[Progress], None]) -> Progress:
        """Load, apply `change`, save: one read-modify-write under the lock."""
        with self._locked():
            progress = self.load()
            change(progress)
            self.save(progress)
            self.remove_orphans()
            return progress

    # -- the changes kubelab makes --------------------------------------------------------------

    def record_pass(self, lesson_id: str, step_id: str, when: str | None = None) -> Progress:
        def change(p: Progress) -> None:
            step = p.lesson(lesson_id).step(step_id)
            step.attempts += 1
            step.passed_at = step.passed_at or when or now()

        return self.update(change)

    def record_attempt(self, lesson_id: str, step_id: str) -> Progress:
        return self.update(lambda p: _bump_attempts(p, lesson_id, step_id))

    def record_hint(self, lesson_id: str, step_id: str, hints_used: int) -> Progress:
        def change(p: Progress) -> None:
            step = p.lesson(lesson_id).step(step_id)
            step.hints_used = max(step.hints_used, hints_used)

        return self.update(change)

    def record_solution(self, lesson_id: str, step_id: str) -> Progress:
        def change(p: Progress) -> None:
            p.lesson(lesson_id).step(step_id).solution_applied = True

        return self.update(change)

    def record_step_setup(self, lesson_id: str, step_id: str) -> Progress:
        def change(p: Progress) -> None:
            p.lesson(lesson_id).step(step_id).setup_applied = True

        return self.update(change)

    def set_current(self, lesson_id: str, step_id: str | None) -> Progress:
        def change(p: Progress) -> None:
            p.lesson(lesson_id)
            p.current_lesson = lesson_id
            p.current_step = step_id

        return self.update(change)

    def set_bindings(self, lesson_id: str, bindings: dict[str, str | int]) -> Progress:
        def change(p: Progress) -> None:
            p.lesson(lesson_id).bindings = dict(bindings)

        return self.update(change)

    def reset_lesson(self, lesson_id: str) -> Progress:
        """Forget a lesson's progress (its steps, hints, bindings)."""

        def change(p: Progress) -> None:
            p.lessons.pop(lesson_id, None)

        return self.update(change)


def _bump_attempts(progress: Progress, lesson_id: str, step_id: str) -> None:
    progress.lesson(lesson_id).step(step_id).attempts += 1


def _process_alive(pid: int) -> bool:
    """Whether process `pid` exists (POSIX: signal 0 checks without sending anything)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
