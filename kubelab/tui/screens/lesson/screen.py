"""The lesson screen: the step list, the step pane (instructions, hints, solution, results) or
the live namespace map, and the console. It holds the learner's state in the lesson, starts the
lesson in a worker, moves between steps, and re-grades when the cluster changes (watch mode);
grading and the step's actions are its parts (`grading.py`, `step_actions.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Markdown, OptionList, Static
from textual.worker import Worker, WorkerState

from kubelab.tui.messages import ClusterEvent
from kubelab.tui.screens.confirm import ask
from kubelab.tui.screens.lesson.confirmations import LEAVE_RUNNING_COMMAND
from kubelab.tui.screens.lesson.console_setup import LessonConsole
from kubelab.tui.screens.lesson.grading import StepGrading
from kubelab.tui.screens.lesson.keys import LESSON_BINDINGS
from kubelab.tui.screens.lesson.step_actions import StepActions
from kubelab.tui.screens.lesson.step_view import (
    fill,
    hints_markdown,
    solution_markdown,
    step_state,
    step_title,
)
from kubelab.tui.services import WATCHED_KINDS, Bindings
from kubelab.tui.watcher import NamespaceWatcher
from kubelab.tui.widgets.console import Console
from kubelab.tui.widgets.lesson_markdown import LessonMarkdown
from kubelab.tui.widgets.namespace_map import NamespaceMapView
from kubelab.tui.widgets.results_panel import ResultsPanel
from kubelab.tui.widgets.step_list import StepList, StepState
from kubelab.tui.widgets.terminal import Terminal, TerminalLeft

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster
    from kubelab.grading.results import StepResult
    from kubelab.lessons.loader import LoadedLesson
    from kubelab.lessons.model import Step
    from kubelab.tui.app import KubelabApp

DEBOUNCE_SECONDS = 0.4


class LessonScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = LESSON_BINDINGS

    def __init__(self, loaded: LoadedLesson, cluster: LabCluster, start_step: str | None) -> None:
        super().__init__()
        self.loaded = loaded
        self.cluster = cluster
        steps = loaded.lesson.steps
        ids = [s.id for s in steps]
        self.index = ids.index(start_step) if start_step in ids else 0
        self.bindings: Bindings | None = None
        self.results: dict[str, StepResult] = {}
        self.passed: dict[str, bool] = {}
        self.hints: dict[str, int] = {}
        self.solution_shown: set[str] = set()
        self.copy_index: dict[str, int] = {}
        self.busy: str | None = None
        """What the cluster is being changed for ("setup", "apply", "reset"), while it is."""
        self._watcher: NamespaceWatcher | None = None
        self._debounce: Timer | None = None
        self._shown_markdown: dict[str, str] = {}
        """The text each Markdown widget of the step pane last got, by widget id."""
        self._lesson_console = LessonConsole(cluster)
        self.grading = StepGrading(self)
        self.step_actions = StepActions(self)

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="lesson-main"):
            yield StepList(id="step-list")
            with ContentSwitcher(initial="step-view", id="views"):
                with VerticalScroll(id="step-view"):
                    yield Static("", id="step-title")
                    yield LessonMarkdown("", id="lesson-body")
                    yield LessonMarkdown("", id="hints")
                    yield LessonMarkdown("", id="solution")
                    yield Static("", id="status-line")
                    yield ResultsPanel(id="results")
                with VerticalScroll(id="map-view"):
                    yield NamespaceMapView(id="map")
        yield Console(self.kubelab.services.console, id="console")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def kubelab(self) -> KubelabApp:
        from kubelab.tui.app import KubelabApp

        return cast(KubelabApp, self.app)

    @property
    def step(self) -> Step:
        return self.loaded.lesson.steps[self.index]

    @property
    def lesson_id(self) -> str:
        return self.loaded.lesson.id

    def on_mount(self) -> None:
        self.sub_title = self.loaded.lesson.title
        progress = self.kubelab.services.progress
        self.passed = progress.passed_steps(self.lesson_id)
        for step in self.loaded.lesson.steps:
            self.hints[step.id] = progress.hints_shown(self.lesson_id, step.id)
        if self.step.id in self.passed:
            first_open = next(
                (i for i, s in enumerate(self.loaded.lesson.steps) if s.id not in self.passed),
                None,
            )
            if first_open is not None and self.kubelab.resume_step is None:
                self.index = first_open
        self.query_one(StepList).border_title = "Steps"
        self.show_step()
        self.query_one("#status-line", Static).update("Starting the lesson…")
        self._lesson_console.start(self.query_one(Console), self.kubelab.course)
        self.start_lesson()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.kubelab.services.grader.close()
        for console in self.query(Console):
            console.stop()
        self._lesson_console.close()

    def on_terminal_left(self, message: TerminalLeft) -> None:
        message.stop()
        self.query_one("#step-view", VerticalScroll).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the console has the focus its keys are the shell's: the lesson's bindings
        step aside (and leave the footer, which then shows only the way out)."""
        return not (isinstance(self.focused, Terminal) and action in self._own_actions())

    @classmethod
    def _own_actions(cls) -> set[str]:
        return {b.action.split("(")[0] for b in cls.BINDINGS if isinstance(b, Binding)}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # StateChanged does not bubble: hand it to the app's one handler for worker failures
        self.kubelab.on_worker_state_changed(event)
        if event.state == WorkerState.ERROR and event.worker.name == "start_lesson":
            self.status("The lesson could not start (see the message). l goes back to the lessons.")

    # -- showing --------------------------------------------------------------------------------

    def step_state(self, step_id: str) -> StepState:
        return step_state(step_id, self.passed, self.results)

    def refresh_steps(self) -> None:
        rows = [(s.id, s.title, self.step_state(s.id)) for s in self.loaded.lesson.steps]
        self.query_one(StepList).set_steps(rows, self.index)

    def show_step(self) -> None:
        step = self.step
        self.refresh_steps()
        result = self.results.get(step.id)
        title = step_title(self.loaded.lesson, self.index, self.passed.get(step.id), result)
        self.query_one("#step-title", Static).update(title)
        self._show_markdown("lesson-body", fill(step.body, self.bindings))
        self.show_hints()
        self.show_solution()
        self.query_one(ResultsPanel).show(result, self.grading.checking)

    def show_hints(self) -> None:
        step = self.step
        shown = min(self.hints.get(step.id, 0), len(step.hints))
        widget = self._show_markdown("hints", hints_markdown(step, shown, self.bindings))
        widget.display = shown > 0

    def show_solution(self) -> None:
        step = self.step
        if step.id not in self.solution_shown:
            self.query_one("#solution", Markdown).display = False
            return
        text = solution_markdown(self.loaded, step, self.bindings)
        self._show_markdown("solution", text).display = True

    def _show_markdown(self, widget_id: str, text: str) -> Markdown:
        widget = self.query_one(f"#{widget_id}", Markdown)
        if text != self._shown_markdown.get(widget_id):
            # only when it changed: re-rendering Markdown resets its height (and the scroll)
            self._shown_markdown[widget_id] = text
            widget.update(text)
        return widget

    def status(self, text: str) -> None:
        self.query_one("#status-line", Static).update(text)

    # -- starting, grading, watching ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lesson-start", exit_on_error=False)
    def start_lesson(self) -> None:
        services = self.kubelab.services
        previous = services.progress.bindings(self.lesson_id)
        step_id = self.step.id
        bindings = services.grader.start_lesson(self.cluster, self.loaded, previous, step_id)
        services.progress.set_bindings(self.lesson_id, bindings)
        services.kubectl()  # ClusterError (shown in the modal) when it is missing
        self.app.call_from_thread(self._lesson_started, bindings)

    def _lesson_started(self, bindings: Bindings) -> None:
        self.bindings = bindings
        namespace = str(bindings.get("namespace") or self.cluster.namespace)
        self._lesson_console.point(namespace)
        self.kubelab.services.progress.set_current(self.lesson_id, self.step.id)
        map_view = self.query_one(NamespaceMapView)
        map_view.namespace = namespace
        map_view.redraw()
        self.status(f"Lesson ready in namespace {namespace}. Watching the cluster.")
        self.show_step()
        if self.kubelab.watch_mode:
            self._watcher = NamespaceWatcher(
                self.kubelab.services.grader,
                self.cluster,
                namespace,
                WATCHED_KINDS,
                self.post_message,
            )
            self._watcher.start()
        self._enter_step()

    def on_cluster_event(self, message: ClusterEvent) -> None:
        map_view = self.query_one(NamespaceMapView)
        if message.event is None:
            had = bool(map_view.objects.by_kind.get(message.kind))
            map_view.objects.resync(message.kind)
            changed = had
        else:
            changed = map_view.objects.apply_event(message.kind, message.event)
        if not changed:
            return
        map_view.redraw(self._watcher.errors if self._watcher else None)
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._regrade_on_change)

    def _regrade_on_change(self) -> None:
        self._debounce = None
        if self.step.id not in self.passed and self.busy is None:
            self.grading.grade(self.step.id, "watch")

    # -- moving between steps -------------------------------------------------------------------

    def action_check(self) -> None:
        self.status("Checking…")
        self.grading.grade(self.step.id, "check")

    def _go(self, index: int) -> None:
        if not 0 <= index < len(self.loaded.lesson.steps) or index == self.index:
            return
        self.index = index
        self.show_step()
        self.query_one("#step-view", VerticalScroll).scroll_home(animate=False)
        self.kubelab.services.progress.set_current(self.lesson_id, self.step.id)
        if self.step.id not in self.passed and self.bindings is not None:
            self._enter_step()

    def _enter_step(self) -> None:
        """Grade the step the learner reached; first apply its own setup (a breakage to debug)
        when it has one that was never applied for this learner."""
        step = self.step
        pending = (step.setup.manifests or step.setup.commands) and step.id not in self.passed
        progress = self.kubelab.services.progress
        if pending and not progress.step_setup_applied(self.lesson_id, step.id):
            self.step_actions.set_up_step(step.id)
        else:
            self.grading.grade(step.id, "open")

    def action_next_step(self) -> None:
        """The next step; on the last one, the next lesson."""
        if self.index + 1 < len(self.loaded.lesson.steps):
            self._go(self.index + 1)
        else:
            self.kubelab.open_next_lesson(self.lesson_id)

    def action_previous_step(self) -> None:
        self._go(self.index - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        ids = [s.id for s in self.loaded.lesson.steps]
        if event.option.id in ids:
            self._go(ids.index(event.option.id))

    # -- what a step offers -------------------------------------------------------------------

    def action_hint(self) -> None:
        self.step_actions.hint()

    def action_solution(self) -> None:
        self.step_actions.reveal_solution()

    def action_apply_solution(self) -> None:
        self.step_actions.apply_solution()

    def action_reset_step(self) -> None:
        self.step_actions.reset_step()

    def action_reset_lesson(self) -> None:
        self.step_actions.reset_lesson()

    def action_copy_command(self) -> None:
        self.step_actions.copy_command()

    # -- the console, the map, scrolling, leaving -----------------------------------------------

    def action_focus_console(self) -> None:
        self.query_one(Terminal).focus()

    def action_scroll_lesson(self, how: str) -> None:
        switcher = self.query_one("#views", ContentSwitcher)
        pane = self.query_one(f"#{switcher.current or 'step-view'}", VerticalScroll)
        {
            "page_up": pane.scroll_page_up,
            "page_down": pane.scroll_page_down,
            "home": pane.scroll_home,
            "end": pane.scroll_end,
        }[how](animate=False)

    def action_toggle_map(self) -> None:
        switcher = self.query_one("#views", ContentSwitcher)
        switcher.current = "map-view" if switcher.current == "step-view" else "step-view"

    def action_lessons(self) -> None:
        if not self.query_one(Console).command_running():
            self.app.pop_screen()
            return
        ask(self.app, LEAVE_RUNNING_COMMAND, self.app.pop_screen)
