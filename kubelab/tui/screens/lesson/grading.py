"""Grading the lesson's steps, and what a result does: the step pane shows it, a step passed is
saved and announced, and passing the open step moves the learner on to the next one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import VerticalScroll

from kubelab.tui.screens.lesson.step_view import next_lesson_offer
from kubelab.tui.screens.lesson.workers import run_in_thread
from kubelab.tui.widgets.results_panel import ResultsPanel

if TYPE_CHECKING:
    from kubelab.grading.results import StepResult
    from kubelab.tui.screens.lesson.screen import LessonScreen


class StepGrading:
    """Grades steps for one lesson screen (whose state it reads and updates), one at a time in
    a worker: a request made meanwhile runs right after it, and a "check" is never downgraded to
    a quiet re-grade. The reasons: "check" (the learner asked), "open" (the step was reached),
    "watch" (the cluster changed)."""

    def __init__(self, screen: LessonScreen) -> None:
        self.screen = screen
        self.checking = False
        """A grading runs (or one asked for meanwhile starts next): the results say so."""
        self._grading: str | None = None
        self._queued: tuple[str, str] | None = None

    def grade(self, step_id: str, reason: str) -> None:
        """Grade `step_id` in a worker, or right after the grading that runs."""
        screen = self.screen
        if screen.bindings is None:
            screen.status("The lesson is still starting; try again in a moment.")
            return
        if self._grading is not None:
            if self._queued is None or self._queued[1] != "check" or reason == "check":
                self._queued = (step_id, reason)
            return
        self._grading = step_id
        self.checking = True
        if step_id == screen.step.id:
            screen.query_one(ResultsPanel).show(screen.results.get(step_id), True)
        bindings = dict(screen.bindings)
        grader = screen.kubelab.services.grader
        run_in_thread(
            screen,
            "_grade",  # the name app.py's `_what` knows
            "grade",
            lambda: grader.grade(screen.cluster, screen.loaded, step_id, bindings),
            lambda result: self._graded(step_id, reason, result),
            self._grading_done,
        )

    def _grading_done(self) -> None:
        """The grading worker ended: start what was asked for meanwhile."""
        self._grading = None
        self.checking = False
        if self._queued is not None and self.screen.is_attached:
            step_id, reason = self._queued
            self._queued = None
            self.grade(step_id, reason)

    def _graded(self, step_id: str, reason: str, result: StepResult) -> None:
        self._grading = None
        self.checking = self._queued is not None
        self._show_result(step_id, reason, result)
        self._grading_done()

    def _show_result(self, step_id: str, reason: str, result: StepResult) -> None:
        screen = self.screen
        if not screen.is_attached:
            return
        quiet = reason in ("open", "watch") and step_id not in screen.results
        if quiet and not result.passed and step_id not in screen.passed:
            # a step is not "failing" before the learner has checked it once; watch mode
            # still marks it passed the moment it passes
            if step_id == screen.step.id:
                screen.query_one(ResultsPanel).show(None, self.checking)
            return
        screen.results[step_id] = result
        if result.passed and step_id not in screen.passed:
            self._record_pass(step_id)
            if step_id == screen.step.id and screen.index + 1 < len(screen.loaded.lesson.steps):
                # passing the step the learner is on moves them on (as n does), as `kubelab
                # watch` does
                screen.action_next_step()
                screen.status(f"✔ Step {step_id} passed. On to step {screen.index + 1}.")
                return
        if step_id == screen.step.id:
            screen.show_step()
            if reason == "check":
                screen.status("")
                screen.call_after_refresh(self._scroll_to_results)
        else:
            screen.refresh_steps()
        if result.passed and step_id == screen.step.id and self._lesson_passed():
            screen.status(next_lesson_offer(screen.kubelab.course, screen.loaded.lesson))

    def _record_pass(self, step_id: str) -> None:
        """The learner passed `step_id` on their own: saved, and said in a notification."""
        screen = self.screen
        progress = screen.kubelab.services.progress
        assisted = False
        screen.passed[step_id] = assisted
        progress.record_pass(screen.lesson_id, step_id, assisted=assisted)
        screen.passed = progress.passed_steps(screen.lesson_id)
        if self._lesson_passed():
            offer = next_lesson_offer(screen.kubelab.course, screen.loaded.lesson)
            screen.notify(offer, title="✔ Lesson passed", timeout=10)
        else:
            step = screen.loaded.lesson.step(step_id)
            screen.notify(f"Step passed: {step.title if step else step_id}", title="✔ Passed")

    def _lesson_passed(self) -> bool:
        return all(step.id in self.screen.passed for step in self.screen.loaded.lesson.steps)

    def _scroll_to_results(self) -> None:
        self.screen.query_one("#step-view", VerticalScroll).scroll_to_widget(
            self.screen.query_one(ResultsPanel), animate=False, top=True
        )
