"""The kubelab Textual app: an app factory over injectable services.

The app provisions the lab cluster in a worker (live stages on the home screen), loads the course,
and opens lesson screens. Every worker failure lands in one handler that shows an error modal with
the message and what to do: never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from kubelab.tui.messages import (
    ClusterFailed,
    ClusterReady,
    ClusterStatusRead,
    ConfirmationNeeded,
    CourseLoaded,
    ProvisionStage,
)
from kubelab.tui.screens.confirm import ConfirmScreen, Question, ask
from kubelab.tui.screens.error import ErrorScreen, describe_error
from kubelab.tui.screens.help import HelpScreen
from kubelab.tui.screens.home import HomeScreen
from kubelab.tui.widgets.cluster_panel import ClusterPanel

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster, Provider
    from kubelab.lessons.loader import Course
    from kubelab.lessons.outline import CourseOutline
    from kubelab.tui.services import Services


class KubelabApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "kubelab"
    SUB_TITLE = "Kubernetes Services, by doing"
    # the console is maximized while vim (or `kubectl edit`) runs: Esc is vim's, never the app's
    ESCAPE_TO_MINIMIZE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave kubelab", show=False),
    ]

    def __init__(
        self,
        services: Services,
        *,
        keymap: Mapping[str, str] | None = None,
        watch_mode: bool = True,
        in_browser: bool = False,
    ) -> None:
        super().__init__()
        self.in_browser = in_browser
        """Served by `kubelab web`: the help lists the keys the browser keeps."""
        self.services = services
        self.keymap = dict(keymap or {})
        self.watch_mode = watch_mode
        self.course: Course | None = None
        self.outline: CourseOutline | None = None
        """What the lesson list shows: read fast at start, then the loaded course's."""
        self.cluster: LabCluster | None = None
        self.provider: Provider | None = None
        self.resume_step: str | None = None
        self._resumed = False
        """Whether the lesson the learner left off in was opened (once, at start)."""
        self._course_requested = False
        self.errors: list[tuple[str, str | None]] = []
        """Every error shown in the modal, for tests and the log."""

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.outline = self._first_outline()
        self.push_screen(HomeScreen())
        # provisioning starts once the first frame is painted; the course loads after it
        # (_course_may_load)
        self.call_after_refresh(self.start_provisioning)
        self.show_notices()
        self.set_interval(1.0, self.show_notices)

    def show_notices(self) -> None:
        """Messages from the progress store (a file set aside, a save that failed)."""
        for notice in self.services.progress.notices():
            self.notify(notice, title="Progress", severity="warning", timeout=10)

    def _first_outline(self) -> CourseOutline | None:
        """The lesson list of the first frame: ids and titles read straight from the lesson files
        (tens of milliseconds). An outline that cannot be read is only logged: the course load
        reads the same files and says what is wrong with them, located."""
        if self.services.outline is None:
            return None
        try:
            return self.services.outline()
        except Exception as exc:  # the course load reports it, located (see above)
            self.log.warning(f"the course outline could not be read: {exc}")
            return None

    def _course_may_load(self) -> None:
        """Load the course once provisioning has reached the cluster (ready, failed, waiting for
        an answer or for a cluster to start): both are CPU work in one process (one GIL), and a
        ready cluster is what the learner waits for first. Later calls do nothing."""
        if self.course is None and not self._course_requested:
            self._course_requested = True
            self.load_course()

    def _refresh_homes(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, HomeScreen):
                screen.refresh_lessons()

    # -- the course and the cluster -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="course", exit_on_error=False)
    def load_course(self) -> None:
        course = self.services.load_course()
        self.post_message(CourseLoaded(course))

    def on_course_loaded(self, message: CourseLoaded) -> None:
        from kubelab.lessons.outline import outline_of

        self.course = message.course
        self.outline = outline_of(message.course)
        self._refresh_homes()
        self._resume_where_left_off()

    def _resume_where_left_off(self) -> None:
        """Once the course and the cluster are both ready at start: open the lesson the learner
        was on (set by the TUI or by `kubelab start`/`next`), at their step."""
        if self._resumed or self.course is None or self.cluster is None:
            return
        self._resumed = True
        current = self.services.progress.current()
        if current is None or self.course.find(current[0]) is None:
            return
        if isinstance(self.screen, HomeScreen):
            self.open_lesson(current[0])

    def open_next_lesson(self, lesson_id: str) -> None:
        """Leave lesson `lesson_id` for the one after it in course order."""
        if self.course is None:
            return
        ids = [loaded.lesson.id for loaded in self.course.lessons]
        if lesson_id not in ids or ids.index(lesson_id) + 1 >= len(ids):
            self.notify("That was the last lesson: the course is done.", title="Course done")
            return
        self.pop_screen()
        self.open_lesson(ids[ids.index(lesson_id) + 1])

    def start_provisioning(self, *, yes: bool = False) -> None:
        self.cluster = None
        self.provider = None
        for panel in self._cluster_panels():
            panel.restart()
        self._provision(yes)

    @work(thread=True, exclusive=True, group="provision", exit_on_error=False)
    def _provision(self, yes: bool = False) -> None:
        from kubelab.cluster.base import ClusterError, ConfirmationRequired

        def stage(text: str) -> None:
            self.post_message(ProvisionStage(text))

        try:
            provider = self.services.resolve_provider(yes)
            cluster = provider.provision(stage)
        except ConfirmationRequired as exc:
            if exc.question is None or yes:
                self.post_message(ClusterFailed(exc.message, exc.hint))
            else:
                self.post_message(ProvisionStage("waiting for your answer"))
                self.post_message(ConfirmationNeeded(exc.question))
            return
        except ClusterError as exc:
            self.post_message(ClusterFailed(exc.message, exc.hint))
            return
        self.provider = provider
        self.post_message(ClusterReady(cluster, None))

    def refresh_status(self) -> None:
        """Read the cluster's status again (the home screen shows it as it is now)."""
        if self.cluster is not None and self.provider is not None:
            self._read_status(self.cluster, self.provider)

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def _read_status(self, cluster: LabCluster, provider: Provider) -> None:
        from kubelab.cluster.base import ClusterError

        try:
            status = provider.status()
        except ClusterError as exc:
            self.post_message(ClusterStatusRead(cluster, None, exc.message))
            return
        self.post_message(ClusterStatusRead(cluster, status, None))

    def on_cluster_status_read(self, message: ClusterStatusRead) -> None:
        if message.cluster is not self.cluster:
            return  # read before a re-provisioning
        for panel in self._cluster_panels():
            panel.show_status(message.status, message.error)

    def _cluster_panels(self) -> list[ClusterPanel]:
        panels: list[ClusterPanel] = []
        for screen in self.screen_stack:
            panels.extend(screen.query(ClusterPanel))
        return panels

    def on_provision_stage(self, message: ProvisionStage) -> None:
        for panel in self._cluster_panels():
            panel.provisioning(message.text)
        self._course_may_load()

    def on_cluster_ready(self, message: ClusterReady) -> None:
        self.cluster = message.cluster
        for panel in self._cluster_panels():
            panel.ready(message.cluster, message.status)
        self.refresh_status()
        self._resume_where_left_off()
        self._course_may_load()

    def on_confirmation_needed(self, message: ConfirmationNeeded) -> None:
        """Ask in a dialog; yes provisions again with the change confirmed."""

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_provisioning(yes=True)
            else:
                self.on_cluster_failed(
                    ClusterFailed(
                        "not confirmed: nothing was changed",
                        "press u to be asked again, or start kubelab with --yes",
                    )
                )

        self.push_screen(ConfirmScreen(message.question, yes="Continue"), answered)
        self._course_may_load()

    def on_cluster_failed(self, message: ClusterFailed) -> None:
        self.errors.append((message.message, message.hint))
        for panel in self._cluster_panels():
            panel.failed(message.message, message.hint)
        self._course_may_load()

    # -- lessons --------------------------------------------------------------------------------

    def open_lesson(self, lesson_id: str) -> None:
        if self.course is None:
            self.notify("The course is still loading.")
            return
        loaded = self.course.find(lesson_id)
        if loaded is None:
            self.notify(f"No lesson {lesson_id!r} in this course.", severity="error")
            return
        if self.cluster is None:
            self.notify(
                "The lab cluster is not ready yet: see its status on the right "
                "(u provisions it again).",
                severity="warning",
            )
            return
        undone = [
            required
            for required in loaded.lesson.requires
            if (other := self.course.find(required)) is not None
            and not set(s.id for s in other.lesson.steps)
            <= set(self.services.progress.passed_steps(required))
        ]
        if undone:
            self.notify(
                f"This lesson builds on {', '.join(undone)}, not finished yet.",
                title="Prerequisites",
                severity="warning",
            )
        resume = self.services.progress.current()
        step = resume[1] if resume and resume[0] == lesson_id else None
        self.resume_step = step
        # imported here: the lesson screen (Markdown, the terminal emulator) is not part of the
        # first frame
        from kubelab.tui.screens.lesson import LessonScreen

        self.push_screen(LessonScreen(loaded, self.cluster, step))

    # -- errors, help, palette ------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler for worker failures: an error modal, never a traceback. (Screens and
        widgets forward their workers' StateChanged here: the message does not bubble.)"""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        if event.worker.name == "_provision":
            self._course_may_load()  # provisioning has stopped, if not as ClusterFailed says
        message, hint = describe_error(event.worker.error)
        self.errors.append((message, hint))
        self.log.error(f"worker {event.worker.name} failed: {message}")
        self.push_screen(ErrorScreen(f"{_what(event.worker.name)} failed", message, hint))

    def action_help(self) -> None:
        from kubelab.tui.screens.lesson import SCROLL_BINDINGS, LessonScreen
        from kubelab.tui.widgets.terminal import Terminal

        own = [b for b in LessonScreen.BINDINGS if b not in SCROLL_BINDINGS]
        sections = [
            ("Lesson", own),
            ("Scrolling the lesson (from anywhere but the console)", list(SCROLL_BINDINGS)),
            ("Console: every key goes to your shell, except", list(Terminal.BINDINGS)),
            ("Lessons list", list(HomeScreen.BINDINGS)),
        ]
        self.push_screen(
            HelpScreen(sections, self.keymap, in_browser=self.in_browser, also=self.BINDINGS)
        )

    # -- quitting -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The console's keys are the shell's: while it has the focus no key acts on the app
        (ctrl+q, ctrl+p, f1 go to the shell; only the console's own way out is left)."""
        return not getattr(self.focused, "TAKES_EVERY_KEY", False)

    def busy_with(self) -> list[str]:
        """What quitting now would interrupt: a console command, a change to the cluster."""
        from kubelab.tui.widgets.console import Console

        busy = []
        for screen in self.screen_stack:
            for console in screen.query(Console):
                if console.command_running():
                    busy.append("a command in the console")
        names = {worker.name for worker in self.workers if worker.is_running}
        for name in sorted(names & set(CHANGES)):
            busy.append(CHANGES[name])
        return busy

    async def action_quit(self) -> None:
        busy = self.busy_with()
        if not busy:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen):
            return
        question = f"Still running: {' and '.join(busy)}. Quit anyway? It will be stopped."
        ask(self, Question(question, yes="Quit"), self.exit)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action = binding.action
            target = self if action.startswith("app.") else screen
            name = action.removeprefix("app.")
            yield SystemCommand(
                binding.description,
                binding.tooltip or binding.description,
                lambda target=target, name=name: self.call_later(target.run_action, name),
            )


#: workers whose interruption leaves something half done, and what they are doing
CHANGES = {
    "_provision": "provisioning the lab cluster",
    "start_lesson": "starting the lesson (its setup)",
    "_apply": "applying the solution",
    "_reset": "a reset",
}


def _what(worker_name: str) -> str:
    names = {
        "load_course": "Loading the course",
        "start_lesson": "Starting the lesson",
        "_grade": "Checking the step",
        "_apply": "Applying the solution",
        "_reset": "Resetting",
        "_read": "The console",
        "_provision": "Provisioning",
    }
    return names.get(worker_name, "A background task")


def create_app(
    services: Services | None = None,
    *,
    cluster: str | None = None,
    namespace: str | None = None,
    yes: bool = False,
    lessons: Path | None = None,
    keymap: Mapping[str, str] | None = None,
    watch_mode: bool = True,
    in_browser: bool = False,
) -> KubelabApp:
    """The app, with the real services unless `services` is given (tests)."""
    if services is None:
        from kubelab.tui.services import default_services

        services = default_services(cluster=cluster, namespace=namespace, yes=yes, lessons=lessons)
    if keymap is None:
        from kubelab.tui.keys import keymap_from_env

        keymap = keymap_from_env()
    return KubelabApp(services, keymap=keymap, watch_mode=watch_mode, in_browser=in_browser)
