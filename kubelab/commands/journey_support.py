"""What the learner's path in the terminal (`start`, `hint`, `solve`, `reset`, `next`,
`watch`) shares: the learner's place in the course, the lesson's lab, showing a step."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from kubelab.cluster.base import LabCluster
from kubelab.commands.exits import fail
from kubelab.commands.grading_support import find_lesson, save_progress
from kubelab.commands.options import load_course_or_exit
from kubelab.lessons.loader import Course, LoadedLesson
from kubelab.lessons.render import MissingBinding, substitute
from kubelab.progress import Progress, ProgressStore

if TYPE_CHECKING:
    from kubelab.cluster.client import KubeClient
    from kubelab.grading.results import StepResult

Bindings = dict[str, str | int]


@dataclass
class Learner:
    """The course and where the learner is in it."""

    course: Course
    store: ProgressStore
    progress: Progress

    def reload(self) -> None:
        self.progress = self.store.load()

    def bindings(self, lesson_id: str) -> Bindings:
        recorded = self.progress.lessons.get(lesson_id)
        return dict(recorded.bindings) if recorded else {}

    def position(self, target: str | None) -> tuple[LoadedLesson, str | None]:
        """The lesson (and step) `target` names (`LESSON`, `LESSON/STEP`, a lesson number),
        else the learner's current step; exit 2 with a hint when there is none."""
        if target is None:
            if not self.progress.current_lesson:
                fail("no current lesson", "start one: kubelab start LESSON (`kubelab lessons`)")
            loaded = find_lesson(self.course, self.progress.current_lesson)
            return loaded, self.current_step(loaded)
        lesson_id, _, step_id = target.partition("/")
        loaded = find_lesson(self.course, lesson_id)
        if step_id and loaded.lesson.step(step_id) is None:
            known = ", ".join(step.id for step in loaded.lesson.steps)
            fail(f"lesson {loaded.lesson.id} has no step {step_id!r}", f"its steps: {known}")
        return loaded, step_id or None

    def current_step(self, loaded: LoadedLesson) -> str:
        """The step the learner is on in `loaded` (its first when none is recorded)."""
        lesson = loaded.lesson
        current = self.progress.current_step
        if self.progress.current_lesson == lesson.id and current and lesson.step(current):
            return current
        return lesson.steps[0].id

    def save(self, change: Callable[[], object]) -> None:
        """Run a ProgressStore change, then read progress again."""
        save_progress(change, self.store.path)
        self.reload()


def learner(lessons_dir: Path | None) -> Learner:
    course = load_course_or_exit(lessons_dir)
    store = ProgressStore()
    progress = store.load()
    for notice in store.notices:
        click.echo(f"kubelab: {notice}", err=True)
    return Learner(course, store, progress)


@contextlib.contextmanager
def lab_client(lab: LabCluster) -> Iterator[KubeClient]:
    from kubelab.cluster.client import KubeClient

    with KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client:
        yield client


def action_failed(what: str, exc: Exception) -> NoReturn:
    """A lesson's action the cluster refused (or a lesson file that does not load): exit 2."""
    fail(f"{what} failed: {exc}", "`kubelab reset` sets the step up again")


def number_of(course: Course, loaded: LoadedLesson) -> int:
    return course.lessons.index(loaded) + 1


def show_step(course: Course, loaded: LoadedLesson, step_id: str, bindings: Bindings) -> None:
    """Print a step as the learner reads it: where it is in the course, its title, its body."""
    lesson = loaded.lesson
    index = lesson.step_index(step_id)
    step = lesson.steps[index]
    try:
        body = substitute(step.body, bindings)
    except MissingBinding:
        body = step.body
    click.echo(
        f"Lesson {number_of(course, loaded)} ({lesson.id}): {lesson.title}\n"
        f"Step {index + 1}/{len(lesson.steps)} ({step.id}): {step.title}\n"
    )
    click.echo(body.rstrip() + "\n")
    click.echo(
        'kubectl in `kubelab shell` (or after `eval "$(kubelab env)"`) acts in namespace '
        f"{bindings.get('namespace', '?')}. `kubelab watch` grades as you go; `kubelab hint` "
        "gives a hint; `kubelab solve` applies the solution."
    )


def following(course: Course, loaded: LoadedLesson) -> LoadedLesson | None:
    """The lesson after `loaded` in course order (None after the last)."""
    index = course.lessons.index(loaded)
    return course.lessons[index + 1] if index + 1 < len(course.lessons) else None


def lesson_passed_message(course: Course, loaded: LoadedLesson) -> str:
    nxt = following(course, loaded)
    done = f"Lesson {number_of(course, loaded)} ({loaded.lesson.id}) passed."
    if nxt is None:
        return done + " That was the last lesson: the course is done."
    return done + f" Next: lesson {number_of(course, nxt)} ({nxt.lesson.id}): `kubelab next`."


def enter_lesson(
    learner: Learner,
    lab: LabCluster,
    loaded: LoadedLesson,
    step_id: str | None,
    *,
    fresh: bool,
) -> Bindings:
    """Make `loaded` the current lesson at `step_id` (default: its first step) in its own
    namespace: set up afresh (`fresh`: start, reset) or as the learner left it (resume), with
    kubelab's kubeconfig pointing at it. Its bindings."""
    from kubelab.grading.actions import ActionFailed
    from kubelab.grading.context import GradingError
    from kubelab.grading.lesson_lab import resume_lesson, start_lesson
    from kubelab.lessons.problems import LessonLoadError

    lesson_id = loaded.lesson.id
    step = step_id or loaded.lesson.steps[0].id
    enter = start_lesson if fresh else resume_lesson
    try:
        with lab_client(lab) as client:
            bindings, done = enter(client, lab, loaded, learner.bindings(lesson_id), step)
    except (ActionFailed, LessonLoadError, GradingError) as exc:
        action_failed(f"setting up lesson {lesson_id}", exc)
    for line in done:
        click.echo(f"  {line}", err=True)
    learner.save(lambda: learner.store.set_bindings(lesson_id, bindings))
    learner.save(lambda: learner.store.set_current(lesson_id, step))
    return bindings


def grade_position(
    lab: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings, max_wait: float
) -> StepResult:
    """Grade one step in the lesson's namespace, polling a failing check at most `max_wait`."""
    from kubelab.grading.lesson_lab import lesson_lab
    from kubelab.grading.runner import grade_lesson

    own = lesson_lab(lab, loaded.lesson.id)
    with lab_client(own) as client:
        result = grade_lesson(
            own, loaded, bindings, client, step_ids=[step_id], poll=True, max_wait=max_wait
        )
    return result.steps[0]


def advance(learner: Learner, loaded: LoadedLesson, step_id: str, bindings: Bindings) -> bool:
    """After step `step_id` passed: move to the next step and show it (False), or say the
    lesson is passed and which lesson is next (True)."""
    lesson = loaded.lesson
    index = lesson.step_index(step_id)
    if index + 1 < len(lesson.steps):
        nxt = lesson.steps[index + 1].id
        learner.save(lambda: learner.store.set_current(lesson.id, nxt))
        click.echo(f"Step {step_id} passed. On to the next step.\n")
        show_step(learner.course, loaded, nxt, bindings)
        return False
    click.echo(lesson_passed_message(learner.course, loaded))
    return True
