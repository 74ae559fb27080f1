"""What a step offers the learner: its hints one at a time, its solution, the solution applied
for them, a reset of the step or the lesson, and the next command of the instructions typed in
the console. Also the step's own setup, applied when the learner reaches it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kubelab.tui.codeblocks import code_commands
from kubelab.tui.screens.confirm import ask
from kubelab.tui.screens.lesson.confirmations import (
    APPLY_SOLUTION,
    RESET_LESSON,
    RESET_STEP,
    REVEAL_SOLUTION,
)
from kubelab.tui.screens.lesson.step_view import fill
from kubelab.tui.screens.lesson.workers import run_in_thread
from kubelab.tui.widgets.console import Console

if TYPE_CHECKING:
    from kubelab.tui.screens.lesson.screen import LessonScreen
    from kubelab.tui.services import Bindings

T = TypeVar("T")


class StepActions:
    """The step actions of one lesson screen, on its state. What changes the cluster (the step's
    setup, apply for me, a reset) runs in a worker of the "change" group, one at a time, and the
    screen is `busy` with it until it ends."""

    def __init__(self, screen: LessonScreen) -> None:
        self.screen = screen

    def hint(self) -> None:
        screen = self.screen
        step = screen.step
        shown = screen.hints.get(step.id, 0)
        if not step.hints:
            screen.notify("This step has no hints.")
            return
        if shown >= len(step.hints):
            screen.notify("No more hints: s reveals the solution.")
            return
        screen.hints[step.id] = shown + 1
        screen.kubelab.services.progress.record_hint(screen.lesson_id, step.id, shown + 1)
        screen.show_hints()

    def reveal_solution(self) -> None:
        screen = self.screen
        step_id = screen.step.id
        if step_id in screen.solution_shown:
            return

        def reveal() -> None:
            screen.solution_shown.add(step_id)
            screen.show_step()

        ask(screen.app, REVEAL_SOLUTION, reveal)

    def copy_command(self) -> None:
        """Type the step's next command in the console (not run); again, the one after it."""
        screen = self.screen
        commands = code_commands(fill(screen.step.body, screen.bindings))
        if not commands:
            screen.notify("This step's instructions have no command to type in the console.")
            return
        position = screen.copy_index.get(screen.step.id, 0) % len(commands)
        console = screen.query_one(Console)
        if not console.type_text(commands[position]):
            screen.notify(
                "A command is running in the console: Ctrl-C there stops it, then press y again.",
                severity="warning",
            )
            return
        screen.copy_index[screen.step.id] = position + 1

    # -- changes to the cluster -----------------------------------------------------------------

    def set_up_step(self, step_id: str) -> None:
        """Apply the step's own setup (a breakage to debug), then grade it."""
        screen = self.screen
        services = screen.kubelab.services

        def work(bindings: Bindings) -> list[str]:
            done = services.grader.start_step(screen.cluster, screen.loaded, step_id, bindings)
            services.progress.record_step_setup(screen.lesson_id, step_id)
            return done

        def prepared(done: list[str]) -> None:
            screen.status("This step changed the cluster: " + "; ".join(done))
            screen.grading.grade(step_id, "open")

        self._change("setup", "Preparing this step…", "_apply_step_setup", work, prepared)

    def apply_solution(self) -> None:
        """Asks, then applies the solution for the learner: the step counts as assisted."""
        screen = self.screen
        step_id = screen.step.id
        services = screen.kubelab.services

        def work(bindings: Bindings) -> list[str]:
            done = services.grader.apply_solution(screen.cluster, screen.loaded, step_id, bindings)
            services.progress.record_solution(screen.lesson_id, step_id)
            return done

        def applied(done: list[str]) -> None:
            screen.status("Applied: " + "; ".join(done) if done else "Nothing to apply.")
            screen.passed = services.progress.passed_steps(screen.lesson_id)
            screen.grading.grade(step_id, "check")

        ask(
            screen.app,
            APPLY_SOLUTION,
            lambda: self._change("apply", "Applying the solution…", "_apply", work, applied),
        )

    def reset_step(self) -> None:
        step_id = self.screen.step.id
        ask(self.screen.app, RESET_STEP, lambda: self._reset(step_id))

    def reset_lesson(self) -> None:
        ask(self.screen.app, RESET_LESSON, lambda: self._reset(None))

    def _reset(self, step_id: str | None) -> None:
        """Bring the lesson's namespace back to the start of the step (None: of the lesson)."""
        screen = self.screen
        grader = screen.kubelab.services.grader

        def work(bindings: Bindings) -> None:
            if step_id is None:
                grader.reset_lesson(screen.cluster, screen.loaded, bindings)
            else:
                grader.reset_step(screen.cluster, screen.loaded, step_id, bindings)

        def was_reset(_: None) -> None:
            screen.results.clear()
            what = "the lesson" if step_id is None else f"step {step_id}"
            screen.status(f"Reset done: {what}")
            screen.show_step()

        doing = "Resetting the lesson…" if step_id is None else "Resetting the step…"
        self._change("reset", doing, "_reset", work, was_reset)

    def _change(
        self,
        busy: str,
        doing: str,
        worker: str,
        work: Callable[[Bindings], T],
        done: Callable[[T], object],
    ) -> None:
        """Start a change to the cluster, `work` given the lesson's bindings: the screen says
        `doing` and is `busy` until it ends, then `done` follows (a failure clears both; the
        app's handler shows the error). `worker` names it for the app, which says by that name
        what quitting would interrupt and what failed (`CHANGES`, `_what` in app.py)."""
        screen = self.screen
        screen.busy = busy
        screen.status(doing)

        def finished(result: T) -> None:
            screen.busy = None
            done(result)

        run_in_thread(
            screen,
            worker,
            "change",
            lambda: work(dict(screen.bindings or {})),
            finished,
            self._not_busy,
            exclusive=True,
        )

    def _not_busy(self) -> None:
        self.screen.busy = None
        self.screen.status("")
