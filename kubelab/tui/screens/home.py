"""Home: the lessons with progress and prerequisites, and the lab cluster's status."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static

from kubelab.tui.widgets.cluster_panel import ClusterPanel
from kubelab.tui.widgets.lesson_list import LessonList, lesson_state

if TYPE_CHECKING:
    from kubelab.lessons.loader import Course
    from kubelab.lessons.outline import LessonOutline
    from kubelab.tui.app import KubelabApp


STATUS_SECONDS = 10.0
"""How often the home screen reads the cluster's status again."""


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_lesson", "Open", id="open", tooltip="Open the highlighted lesson"),
        Binding(
            "u", "retry", "Retry cluster", id="retry", tooltip="Provision the lab cluster again"
        ),
        Binding("f1,question_mark", "app.help", "Help", id="help", tooltip="All keys"),
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave kubelab"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            with Vertical(id="home-left"):
                yield LessonList(id="lessons")
                yield Static("Loading the course…", id="lesson-detail")
            yield ClusterPanel(id="cluster")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def kubelab(self) -> KubelabApp:
        from kubelab.tui.app import KubelabApp

        return cast(KubelabApp, self.app)

    def on_mount(self) -> None:
        self.query_one(LessonList).focus()
        self.refresh_lessons()
        self.set_interval(STATUS_SECONDS, self._refresh_status)

    def on_screen_resume(self) -> None:
        self.refresh_lessons()
        self.kubelab.refresh_status()

    def _refresh_status(self) -> None:
        if self.is_current:
            self.kubelab.refresh_status()

    def refresh_lessons(self) -> None:
        outline = self.kubelab.outline
        if outline is None:
            return
        lessons = self.query_one(LessonList)
        current = lessons.highlighted
        if current is None:
            resume = self.kubelab.services.progress.current()
            ids = [lesson.id for lesson in outline.lessons]
            current = ids.index(resume[0]) if resume and resume[0] in ids else 0
        rows = [(lesson, self._passed(lesson)) for lesson in outline.lessons]
        lessons.set_lessons(rows, current)
        course = self.kubelab.course
        if not outline.lessons and course is not None:
            self.query_one("#lesson-detail", Static).update(self._problems_text(course))
        else:
            self._show_detail(current)

    def _passed(self, lesson: LessonOutline) -> int:
        passed = self.kubelab.services.progress.passed_steps(lesson.id)
        return sum(1 for step_id, _ in lesson.steps if step_id in passed)

    def _problems_text(self, course: Course) -> Text:
        text = Text()
        text.append(f"No lessons loaded from {course.root}.\n", style="bold")
        for problem in course.problems[:8]:
            text.append(f"{problem}\n", style="red")
        return text

    def _show_detail(self, index: int | None) -> None:
        outline = self.kubelab.outline
        if outline is None or index is None or not 0 <= index < len(outline.lessons):
            return
        lesson = outline.lessons[index]
        text = Text()
        text.append(f"{lesson.title}\n", style="bold")
        text.append(f"{lesson.summary.strip()}\n")
        passed = self._passed(lesson)
        word = lesson_state(len(lesson.steps), passed)[1]
        text.append(f"{passed}/{len(lesson.steps)} steps passed: {word}", style="dim")
        resume = self.kubelab.services.progress.current()
        if resume is not None and resume[0] == lesson.id and resume[1] is not None:
            title = lesson.step_title(resume[1])
            if title is not None:
                number = [step_id for step_id, _ in lesson.steps].index(resume[1]) + 1
                text.append(f"\nEnter resumes at step {number}: {title}", style="bold")
        if lesson.requires:
            text.append("\nPrerequisites: ")
            for i, required in enumerate(lesson.requires):
                other = outline.find(required)
                done = other is not None and self._passed(other) >= len(other.steps)
                text.append(", " if i else "")
                text.append(f"{'✔' if done else '✘'} {required}", style="green" if done else "red")
        course = self.kubelab.course
        if course is not None and course.problems:
            text.append(f"\n{len(course.problems)} lesson problem(s): run `kubelab lint`", "yellow")
        self.query_one("#lesson-detail", Static).update(text)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_detail(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.kubelab.open_lesson(event.option.id)

    def action_open_lesson(self) -> None:
        lessons = self.query_one(LessonList)
        if lessons.highlighted is None:
            return
        option = lessons.get_option_at_index(lessons.highlighted)
        if option.id is not None:
            self.kubelab.open_lesson(option.id)

    def action_retry(self) -> None:
        self.kubelab.start_provisioning()
