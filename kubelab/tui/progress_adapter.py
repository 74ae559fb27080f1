"""The TUI's view of the learner's progress store (`kubelab.progress.ProgressStore`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kubelab.progress import Progress, ProgressStore


class StoreProgress:
    """`ProgressTracker` over `ProgressStore`: every change is saved at once (atomically).

    A save that fails (a full disk, a read-only state dir) becomes a notice the app shows, not a
    crash: the learner keeps working and is told their progress is not being saved."""

    def __init__(self, path: Path | None = None) -> None:
        self.store = ProgressStore(path)

    def _save(self, change: Callable[[], Progress]) -> None:
        try:
            change()
        except OSError as exc:
            self.store.notices.append(
                f"progress not saved ({exc.strerror or exc}): {self.store.path}"
            )

    def passed_steps(self, lesson_id: str) -> dict[str, bool]:
        lesson = self.store.load().lessons.get(lesson_id)
        if lesson is None:
            return {}
        return {
            step_id: step.solution_applied
            for step_id, step in lesson.steps.items()
            if step.passed_at
        }

    def record_pass(self, lesson_id: str, step_id: str, *, assisted: bool) -> None:
        if assisted:
            self._save(lambda: self.store.record_solution(lesson_id, step_id))
        self._save(lambda: self.store.record_pass(lesson_id, step_id))

    def record_hint(self, lesson_id: str, step_id: str, shown: int) -> None:
        self._save(lambda: self.store.record_hint(lesson_id, step_id, shown))

    def record_solution(self, lesson_id: str, step_id: str) -> None:
        self._save(lambda: self.store.record_solution(lesson_id, step_id))

    def step_setup_applied(self, lesson_id: str, step_id: str) -> bool:
        lesson = self.store.load().lessons.get(lesson_id)
        step = lesson.steps.get(step_id) if lesson else None
        return bool(step and step.setup_applied)

    def record_step_setup(self, lesson_id: str, step_id: str) -> None:
        self._save(lambda: self.store.record_step_setup(lesson_id, step_id))

    def hints_shown(self, lesson_id: str, step_id: str) -> int:
        lesson = self.store.load().lessons.get(lesson_id)
        step = lesson.steps.get(step_id) if lesson else None
        return step.hints_used if step else 0

    def set_current(self, lesson_id: str, step_id: str | None) -> None:
        self._save(lambda: self.store.set_current(lesson_id, step_id))

    def current(self) -> tuple[str, str | None] | None:
        progress = self.store.load()
        if progress.current_lesson is None:
            return None
        return (progress.current_lesson, progress.current_step)

    def bindings(self, lesson_id: str) -> dict[str, str | int]:
        lesson = self.store.load().lessons.get(lesson_id)
        return dict(lesson.bindings) if lesson else {}

    def set_bindings(self, lesson_id: str, bindings: dict[str, str | int]) -> None:
        self._save(lambda: self.store.set_bindings(lesson_id, bindings))

    def notices(self) -> list[str]:
        shown = list(self.store.notices)
        self.store.notices.clear()
        return shown
