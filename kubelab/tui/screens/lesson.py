"""A lesson: steps with their state, the step's instructions, results, hints, solution, the
console, the live namespace map, and watch mode (re-grade when the cluster changes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Markdown, OptionList, Static
from textual.worker import Worker, WorkerState

from kubelab.grading.wording import count_text
from kubelab.lessons.problems import LessonLoadError
from kubelab.tui.codeblocks import code_commands
from kubelab.tui.messages import ClusterEvent
from kubelab.tui.screens.confirm import ConfirmScreen
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

#: the lesson pane scrolls from wherever the focus is (the console keeps these keys: they are
#: the shell's while it has the focus)
SCROLL_BINDINGS: list[BindingType] = [
    Binding(
        "pageup",
        "scroll_lesson('page_up')",
        "Page up",
        id="scroll.page_up",
        tooltip="Scroll the lesson up a page",
        show=False,
        priority=True,
    ),
    Binding(
        "pagedown",
        "scroll_lesson('page_down')",
        "Page down",
        id="scroll.page_down",
        tooltip="Scroll the lesson down a page",
        show=False,
        priority=True,
    ),
    Binding(
        "home",
        "scroll_lesson('home')",
        "Top",
        id="scroll.home",
        tooltip="To the top of the lesson text",
        show=False,
        priority=True,
    ),
    Binding(
        "end",
        "scroll_lesson('end')",
        "Bottom",
        id="scroll.end",
        tooltip="To the end of the lesson text (the results)",
        show=False,
        priority=True,
    ),
]


def fill(text: str, bindings: Bindings | None) -> str:
    """`${name}` placeholders filled where a binding is known (left as they are otherwise);
    an escaped `$${...}` shows as `${...}`."""
    from kubelab.lessons.render import fill as fill_placeholders

    known = bindings or {}
    return fill_placeholders(text, lambda name: str(known.get(name, "${" + name + "}")))


class LessonScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c,f5", "check", "Check", id="check", tooltip="Grade this step now"),
        Binding("n", "next_step", "Next", id="next_step", tooltip="Go to the next step"),
        Binding(
            "p",
            "previous_step",
            "Prev",
            id="previous_step",
            tooltip="The previous step",
            show=False,
        ),
        Binding("h", "hint", "Hint", id="hint", tooltip="Reveal the next hint (one at a time)"),
        Binding(
            "s", "solution", "Solution", id="solution", tooltip="Reveal the solution (asks first)"
        ),
        Binding(
            "a",
            "apply_solution",
            "Apply",
            id="apply",
            tooltip="Apply the solution to the cluster; the step counts as assisted (asks first)",
        ),
        Binding(
            "r", "reset_step", "Reset", id="reset_step", tooltip="Undo this step's work (asks)"
        ),
        Binding(
            "R",
            "reset_lesson",
            "Reset lesson",
            id="reset_lesson",
            tooltip="Empty the lesson's namespace and start over (asks first)",
            show=False,
        ),
        Binding(
            "y",
            "copy_command",
            "Copy",
            id="copy_command",
            tooltip="Type the next command of the instructions in the console, not run (a "
            "YAML block the step applies comes as a here-document saving it)",
            show=False,
        ),
        Binding(
            "i,colon",
            "focus_console",
            "Console",
            id="console",
            tooltip="Type in the console (your shell); ctrl+] comes back",
        ),
        Binding("m", "toggle_map", "Map", id="map", tooltip="The live map of the namespace"),
        Binding(
            "l",
            "lessons",
            "Lessons",
            id="lessons",
            tooltip="Back to the lesson list",
            show=False,
        ),
        Binding("f1,question_mark", "app.help", "Help", id="help", tooltip="All keys"),
        Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave kubelab", show=False),
        *SCROLL_BINDINGS,
    ]

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
        self.checking = False
        self.busy: str | None = None
        self._watcher: NamespaceWatcher | None = None
        self._debounce: Timer | None = None
        self._grading: str | None = None
        self._queued: tuple[str, str] | None = None
        self._shown_body: str | None = None
        self._shown_solution: str | None = None
        self._shown_hints: str | None = None
        self._console_config: Path | None = None

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
        self.start_console()
        self.start_lesson()

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        self.kubelab.services.grader.close()
        for console in self.query(Console):
            console.stop()
        if self._console_config is not None:
            self._console_config.unlink(missing_ok=True)

    # -- the console ----------------------------------------------------------------------------

    def start_console(self) -> None:
        """The learner's shell in the course's workspace, kubectl pointed at the lab cluster
        (the lesson's namespace once the lesson has started)."""
        from kubelab.cluster.base import ClusterError
        from kubelab.tui.shell_session import ShellStartError, shell_program
        from kubelab.tui.workspace import (
            console_kubeconfig,
            console_kubeconfig_path,
            shell_env,
            shown_path,
            workspace_dir,
        )

        console = self.query_one(Console)
        course = self.kubelab.course
        try:
            workspace = workspace_dir(course.root if course else Path.cwd(), self._bundled())
            config = console_kubeconfig_path()
            console_kubeconfig(config, self.cluster, self.cluster.namespace)
            self._console_config = config
            env = shell_env(self.cluster, config)
            program = shell_program(env)
        except (ClusterError, ShellStartError, OSError) as exc:
            message = exc.message if isinstance(exc, ClusterError) else str(exc)
            console.terminal.show_notice(f"the console cannot start: {message}")
            return
        shown = shown_path(workspace)
        console.start([program], env, workspace, shown, self.cluster.namespace)
        console.terminal.show_notice(
            f"your shell, in the workspace {shown}; kubectl uses the lab cluster"
        )

    def _bundled(self) -> bool:
        from kubelab.lessons.loader import bundled_course_root

        course = self.kubelab.course
        return course is None or course.root.resolve() == bundled_course_root().resolve()

    def _point_console(self, namespace: str) -> None:
        from kubelab.cluster.base import ClusterError
        from kubelab.tui.workspace import console_kubeconfig

        console = self.query_one(Console)
        if self._console_config is None:
            return
        try:
            console_kubeconfig(self._console_config, self.cluster, namespace)
        except (ClusterError, OSError) as exc:
            message = exc.message if isinstance(exc, ClusterError) else str(exc)
            console.terminal.show_notice(f"kubectl stays in {self.cluster.namespace}: {message}")
            return
        console.set_namespace(namespace)

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
        if step_id in self.passed:
            return "assisted" if self.passed[step_id] else "passed"
        result = self.results.get(step_id)
        if result is not None and result.status in ("failed", "error"):
            return "failed"
        return "untried"

    def refresh_steps(self) -> None:
        rows = [(s.id, s.title, self.step_state(s.id)) for s in self.loaded.lesson.steps]
        self.query_one(StepList).set_steps(rows, self.index)

    def show_step(self) -> None:
        step = self.step
        self.refresh_steps()
        total = len(self.loaded.lesson.steps)
        title = Text()
        title.append(f"{self.loaded.lesson.title}\n", style="dim")
        title.append(f"Step {self.index + 1}/{total}: {step.title}", style="bold")
        result = self.results.get(step.id)
        if step.id in self.passed:
            title.append("  ✔ passed" + (" (assisted)" if self.passed[step.id] else ""), "green")
        elif result is not None and result.status in ("failed", "error"):
            bad = sum(1 for c in result.checks if c.status in ("failed", "error"))
            failing = count_text(bad, "check")
            title.append(f"  ✘ {failing} failing (results below)", "red")
        self.query_one("#step-title", Static).update(title)
        body = fill(step.body, self.bindings)
        if body != self._shown_body:
            # only when it changed: re-rendering Markdown resets its height (and the scroll)
            self._shown_body = body
            self.query_one("#lesson-body", Markdown).update(body)
        self.show_hints()
        self.show_solution()
        self.query_one(ResultsPanel).show(self.results.get(step.id), self.checking)

    def show_hints(self) -> None:
        step = self.step
        shown = min(self.hints.get(step.id, 0), len(step.hints))
        text = "\n\n".join(
            f"**Hint {number}/{len(step.hints)}:** {fill(hint.strip(), self.bindings)}"
            for number, hint in enumerate(step.hints[:shown], start=1)
        )
        widget = self.query_one("#hints", Markdown)
        if text != self._shown_hints:
            self._shown_hints = text
            widget.update(text)
        widget.display = shown > 0

    def show_solution(self) -> None:
        step = self.step
        widget = self.query_one("#solution", Markdown)
        if step.id not in self.solution_shown:
            widget.display = False
            return
        lines = ["**Solution**", ""]
        for rel in step.solution.manifests:
            try:
                path = self.loaded.manifest_path(rel)
                content = fill(path.read_text(encoding="utf-8"), self.bindings)
            except (OSError, ValueError, LessonLoadError) as exc:
                content = f"# cannot read {rel}: {exc}"
            lines += [f"`{rel}`:", "", "```yaml", content.rstrip(), "```", ""]
        if step.solution.commands:
            lines += ["```"]
            lines += [fill(" ".join(argv), self.bindings) for argv in step.solution.commands]
            lines += ["```"]
        text = "\n".join(lines)
        if text != self._shown_solution:
            self._shown_solution = text
            widget.update(text)
        widget.display = True

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
        self._point_console(namespace)
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

    def grade(self, step_id: str, reason: str) -> None:
        """Grade `step_id` in a worker. One grading at a time: a request made meanwhile runs
        right after it (a "check" is never downgraded to a quiet re-grade)."""
        if self.bindings is None:
            self.status("The lesson is still starting; try again in a moment.")
            return
        if self._grading is not None:
            if self._queued is None or self._queued[1] != "check" or reason == "check":
                self._queued = (step_id, reason)
            return
        self._grading = step_id
        self.checking = True
        if step_id == self.step.id:
            self.query_one(ResultsPanel).show(self.results.get(step_id), True)
        self._grade(step_id, reason, dict(self.bindings))

    @work(thread=True, group="grade", exit_on_error=False)
    def _grade(self, step_id: str, reason: str, bindings: Bindings) -> None:
        try:
            result = self.kubelab.services.grader.grade(
                self.cluster, self.loaded, step_id, bindings
            )
        except BaseException:
            self.app.call_from_thread(self._grading_done)
            raise
        self.app.call_from_thread(self._graded, step_id, reason, result)

    def _grading_done(self) -> None:
        """The grading worker ended: start what was asked for meanwhile."""
        self._grading = None
        self.checking = False
        if self._queued is not None and self.is_attached:
            step_id, reason = self._queued
            self._queued = None
            self.grade(step_id, reason)

    def _graded(self, step_id: str, reason: str, result: StepResult) -> None:
        self._grading = None
        self.checking = self._queued is not None
        self._show_result(step_id, reason, result)
        self._grading_done()

    def _show_result(self, step_id: str, reason: str, result: StepResult) -> None:
        if not self.is_attached:
            return
        quiet = reason in ("open", "watch") and step_id not in self.results
        if quiet and not result.passed and step_id not in self.passed:
            # a step is not "failing" before the learner has checked it once; watch mode
            # still marks it passed the moment it passes
            if step_id == self.step.id:
                self.query_one(ResultsPanel).show(None, self.checking)
            return
        self.results[step_id] = result
        if result.passed and step_id not in self.passed:
            assisted = False
            self.passed[step_id] = assisted
            self.kubelab.services.progress.record_pass(self.lesson_id, step_id, assisted=assisted)
            self.passed = self.kubelab.services.progress.passed_steps(self.lesson_id)
            if self._lesson_passed():
                self.notify(self._next_lesson_offer(), title="✔ Lesson passed", timeout=10)
            else:
                title = self.loaded.lesson.step(step_id)
                self.notify(f"Step passed: {title.title if title else step_id}", title="✔ Passed")
            if step_id == self.step.id and self.index + 1 < len(self.loaded.lesson.steps):
                # passing the step the learner is on moves them on, as `kubelab watch` does
                self._go(self.index + 1)
                self.status(f"✔ Step {step_id} passed. On to step {self.index + 1}.")
                return
        if step_id == self.step.id:
            self.show_step()
            if reason == "check":
                self.status("")
                self.call_after_refresh(self._scroll_to_results)
        else:
            self.refresh_steps()
        if result.passed and step_id == self.step.id and self._lesson_passed():
            self.status(self._next_lesson_offer())

    def _scroll_to_results(self) -> None:
        self.query_one("#step-view", VerticalScroll).scroll_to_widget(
            self.query_one(ResultsPanel), animate=False, top=True
        )

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
            self.grade(self.step.id, "watch")

    # -- actions --------------------------------------------------------------------------------

    def action_check(self) -> None:
        self.status("Checking…")
        self.grade(self.step.id, "check")

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
            self.busy = "setup"
            self.status("Preparing this step…")
            self._apply_step_setup(step.id)
        else:
            self.grade(step.id, "open")

    @work(thread=True, exclusive=True, group="change", exit_on_error=False)
    def _apply_step_setup(self, step_id: str) -> None:
        services = self.kubelab.services
        try:
            done = services.grader.start_step(
                self.cluster, self.loaded, step_id, dict(self.bindings or {})
            )
            services.progress.record_step_setup(self.lesson_id, step_id)
        except BaseException:
            self.app.call_from_thread(self._not_busy)
            raise
        self.app.call_from_thread(self._step_prepared, step_id, done)

    def _step_prepared(self, step_id: str, done: list[str]) -> None:
        self.busy = None
        self.status("This step changed the cluster: " + "; ".join(done))
        self.grade(step_id, "open")

    def action_next_step(self) -> None:
        """The next step; on the last one, the next lesson."""
        if self.index + 1 < len(self.loaded.lesson.steps):
            self._go(self.index + 1)
        else:
            self.kubelab.open_next_lesson(self.lesson_id)

    def _lesson_passed(self) -> bool:
        return all(step.id in self.passed for step in self.loaded.lesson.steps)

    def _next_lesson_offer(self) -> str:
        course = self.kubelab.course
        ids = [loaded.lesson.id for loaded in course.lessons] if course else []
        where = ids.index(self.lesson_id) if self.lesson_id in ids else len(ids)
        if course is None or where + 1 >= len(ids):
            return f"Lesson {self.loaded.lesson.title!r} passed: that was the last lesson."
        upcoming = course.lessons[where + 1].lesson
        return (
            f"Lesson {self.loaded.lesson.title!r} passed. n opens the next lesson: {upcoming.title}"
        )

    def action_previous_step(self) -> None:
        self._go(self.index - 1)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        ids = [s.id for s in self.loaded.lesson.steps]
        if event.option.id in ids:
            self._go(ids.index(event.option.id))

    def action_hint(self) -> None:
        step = self.step
        shown = self.hints.get(step.id, 0)
        if not step.hints:
            self.notify("This step has no hints.")
            return
        if shown >= len(step.hints):
            self.notify("No more hints: s reveals the solution.")
            return
        self.hints[step.id] = shown + 1
        self.kubelab.services.progress.record_hint(self.lesson_id, step.id, shown + 1)
        self.show_hints()

    def action_solution(self) -> None:
        step_id = self.step.id
        if step_id in self.solution_shown:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.solution_shown.add(step_id)
                self.show_step()

        self.app.push_screen(
            ConfirmScreen("Reveal the solution of this step?", yes="Reveal"), answered
        )

    def action_apply_solution(self) -> None:
        step_id = self.step.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = "apply"
                self.status("Applying the solution…")
                self._apply(step_id)

        self.app.push_screen(
            ConfirmScreen(
                "Apply the solution to the cluster for you? The step will count as assisted.",
                yes="Apply",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="change", exit_on_error=False)
    def _apply(self, step_id: str) -> None:
        services = self.kubelab.services
        try:
            done = services.grader.apply_solution(
                self.cluster, self.loaded, step_id, dict(self.bindings or {})
            )
            services.progress.record_solution(self.lesson_id, step_id)
        except BaseException:
            self.app.call_from_thread(self._not_busy)
            raise
        self.app.call_from_thread(self._applied, step_id, done)

    def _not_busy(self) -> None:
        self.busy = None
        self.status("")

    def _applied(self, step_id: str, done: list[str]) -> None:
        self.busy = None
        self.status("Applied: " + "; ".join(done) if done else "Nothing to apply.")
        self.passed = self.kubelab.services.progress.passed_steps(self.lesson_id)
        self.grade(step_id, "check")

    def action_reset_step(self) -> None:
        step_id = self.step.id

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = "reset"
                self.status("Resetting the step…")
                self._reset(step_id)

        self.app.push_screen(
            ConfirmScreen(
                "Reset this step? The lesson's namespace is emptied and the steps before this "
                "one are applied again. Your passed steps stay passed.",
                yes="Reset",
            ),
            answered,
        )

    def action_reset_lesson(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.busy = "reset"
                self.status("Resetting the lesson…")
                self._reset(None)

        self.app.push_screen(
            ConfirmScreen(
                "Reset the whole lesson? Everything in its namespace is deleted and the setup is "
                "applied again. Your passed steps stay passed.",
                yes="Reset",
            ),
            answered,
        )

    @work(thread=True, exclusive=True, group="change", exit_on_error=False)
    def _reset(self, step_id: str | None) -> None:
        grader = self.kubelab.services.grader
        bindings = dict(self.bindings or {})
        try:
            if step_id is None:
                grader.reset_lesson(self.cluster, self.loaded, bindings)
            else:
                grader.reset_step(self.cluster, self.loaded, step_id, bindings)
        except BaseException:
            self.app.call_from_thread(self._not_busy)
            raise
        self.app.call_from_thread(self._was_reset, step_id)

    def _was_reset(self, step_id: str | None) -> None:
        self.busy = None
        self.results.clear()
        self.status("Reset done: " + ("the lesson" if step_id is None else f"step {step_id}"))
        self.show_step()

    def action_copy_command(self) -> None:
        commands = code_commands(fill(self.step.body, self.bindings))
        if not commands:
            self.notify("This step's instructions have no command to type in the console.")
            return
        position = self.copy_index.get(self.step.id, 0) % len(commands)
        console = self.query_one(Console)
        if not console.type_text(commands[position]):
            self.notify(
                "A command is running in the console: Ctrl-C there stops it, then press y again.",
                severity="warning",
            )
            return
        self.copy_index[self.step.id] = position + 1

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
        console = self.query_one(Console)
        if not console.command_running():
            self.app.pop_screen()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmScreen(
                "A command is still running in the console. Back to the lessons? The console "
                "closes and the command is stopped.",
                yes="Leave",
            ),
            answered,
        )
