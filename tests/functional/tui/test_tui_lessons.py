"""The TUI driven by Pilot on the simulator: lessons, console, checks, hints, solution, apply for
me, reset, progress across restarts, provisioning failure, the error modal, help, the palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown
from tui_support import (
    COURSE,
    PROMPT,
    BrokenProvider,
    StaticProvider,
    console_output,
    run_in_console,
    services_for,
    type_keys,
    wait_for,
)

from kubelab.cluster.base import LabCluster
from kubelab.grading.lesson_lab import lesson_namespace
from kubelab.lessons.loader import load_course
from kubelab.progress import ProgressStore
from kubelab.tui.app import KubelabApp, create_app
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.error import ErrorScreen
from kubelab.tui.screens.help import HelpScreen
from kubelab.tui.screens.home import HomeScreen
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.services import ClusterGrader, Services
from kubelab.tui.widgets.terminal import Terminal

pytestmark = pytest.mark.timeout(90)


def make_app(cluster: LabCluster, tmp: Path, **kwargs: object) -> KubelabApp:
    services = services_for(
        StaticProvider(cluster), tmp / "progress.json", course=lambda: load_course(COURSE)
    )
    for name, value in kwargs.items():
        setattr(services, name, value)
    return create_app(services, keymap={})


def ns(lab: LabCluster, lesson_id: str = "first-service") -> str:
    """The namespace a lesson of the test course runs in."""
    return lesson_namespace(lab.namespace, lesson_id)


def panel_text(app: KubelabApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def open_first_lesson(app: KubelabApp, pilot: object) -> LessonScreen:
    await wait_for(lambda: app.cluster is not None and app.course is not None, what="startup")
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(lambda: isinstance(app.screen, LessonScreen), what="lesson screen")
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await wait_for(lambda: screen.bindings is not None or app.errors, what="lesson start")
    assert not app.errors, app.errors
    return screen


async def type_in_console(pilot: object, screen: LessonScreen, line: str) -> None:
    await run_in_console(pilot, screen.query_one(Terminal), line)  # type: ignore[arg-type]


async def test_home_shows_lessons_progress_and_cluster(lab: LabCluster, tmp_path: Path) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        # the API's status is read by a worker after the cluster is ready
        await wait_for(
            lambda: "API       reachable" in panel_text(app, "#cluster"), what="the API's status"
        )
        cluster = panel_text(app, "#cluster")
        assert "✔ ready" in cluster
        assert lab.namespace in cluster
        lessons = app.screen.query_one("#lessons")
        assert lessons.option_count == 2  # type: ignore[attr-defined]
        first = str(lessons.get_option_at_index(0).prompt)  # type: ignore[attr-defined]
        assert "A first Service" in first and "· 0/2" in first
        assert "0/2 steps passed: not started" in panel_text(app, "#lesson-detail")
        await pilot.press("down")
        detail = panel_text(app, "#lesson-detail")
        assert "Prerequisites" in detail and "✘ first-service" in detail


async def test_provisioning_failure_shows_message_and_what_to_do(
    tui_env: Path, tmp_path: Path
) -> None:
    provider = BrokenProvider("docker is not running", "start docker, then press u")
    services = services_for(
        provider, tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.errors, what="the failure")
        await pilot.pause()
        text = panel_text(app, "#cluster")
        assert "provisioning failed" in text
        assert "docker is not running" in text and "What to do: start docker" in text
        assert isinstance(app.screen, HomeScreen)  # no modal, no traceback
        await wait_for(lambda: app.course is not None)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # no lesson without a cluster
        await pilot.press("u")
        await wait_for(lambda: len(app.errors) == 2, what="the retry")


async def test_check_fails_then_passes_from_the_console(lab: LabCluster, tmp_path: Path) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        screen.focus_next("#step-list")
        await pilot.press("c")
        await wait_for(lambda: "create-web" in screen.results, what="a result")
        result = screen.results["create-web"]
        assert result.status == "failed"
        text = panel_text(app, "#results")
        assert "✘ the check failed" in text and "web is a Service" in text
        assert screen.step_state("create-web") == "failed"
        # the command copied from the instructions, run in the console; watch mode grades it
        screen.focus_next("#step-list")
        await pilot.press("y")
        terminal = screen.query_one(Terminal)
        await wait_for(
            lambda: "kubectl create service clusterip web --tcp=80:80" in terminal.text(),
            what="the copied command",
        )
        await pilot.press("enter")
        await wait_for(lambda: "create-web" in screen.passed, what="the step to pass")
        assert screen.passed["create-web"] is False  # not assisted
        # passing the step the learner is on moves them to the next one
        await wait_for(lambda: screen.step.id == "port-8080", what="the next step")
        assert "✔ Step create-web passed" in panel_text(app, "#status-line")
        assert screen.step_state("create-web") == "passed"
        assert (
            ProgressStore(tmp_path / "progress.json").load().passed("first-service", "create-web")
        )


async def test_hints_one_at_a_time_then_the_solution_after_confirming(
    lab: LabCluster, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        screen.focus_next("#step-list")
        hints = screen.query_one("#hints", Markdown)
        assert not hints.display
        await pilot.press("h")
        assert "**Hint 1/2:**" in hints.source and "Hint 2/2" not in hints.source
        await pilot.press("h")
        assert "**Hint 2/2:** `kubectl get svc web` should list it." in hints.source
        await pilot.press("h")  # no third hint: nothing more shown
        assert "Hint 3" not in hints.source
        await pilot.pause()
        # rendered as Markdown: the backticks are gone from what the learner reads
        shown = " ".join(str(block.render()) for block in hints.query("MarkdownBlock"))
        assert "kubectl get svc web" in shown and "`" not in shown
        store = ProgressStore(tmp_path / "progress.json").load()
        assert store.lessons["first-service"].steps["create-web"].hints_used == 2
        await pilot.press("s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not screen.query_one("#solution").display
        await pilot.press("s")
        await pilot.press("y")
        await pilot.pause()
        assert screen.query_one("#solution").display
        assert "name: web" in screen.query_one("#solution")._markdown  # type: ignore[attr-defined]


async def test_apply_for_me_marks_assisted_and_reset_undoes(
    lab: LabCluster, tmp_path: Path, sim: object
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        screen.focus_next("#step-list")
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(lambda: "create-web" in screen.passed, what="the applied step to pass")
        assert screen.passed["create-web"] is True
        assert screen.step_state("create-web") == "assisted"
        assert "✔*" in str(screen.query_one("#step-list").get_option_at_index(0).prompt)  # type: ignore[attr-defined]
        got = sim.kubectl("get", "svc", "web", "-n", ns(lab))  # type: ignore[attr-defined]
        assert got.returncode == 0
        await wait_for(lambda: screen.step.id == "port-8080", what="the next step")
        await pilot.press("p")  # back to the step to undo
        assert screen.step.id == "create-web"
        await pilot.press("r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(
            lambda: screen.busy is None and "Reset done" in panel_text(app, "#status-line")
        )
        got = sim.kubectl("get", "svc", "web", "-n", ns(lab))  # type: ignore[attr-defined]
        assert got.returncode != 0 and "NotFound" in got.stderr
        assert screen.passed["create-web"] is True  # a passed step is never lost


async def test_progress_survives_a_restart(lab: LabCluster, tmp_path: Path) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        await type_in_console(pilot, screen, "kubectl create service clusterip web --tcp=80:80")
        await wait_for(lambda: "create-web" in screen.passed, what="the step to pass")
        await wait_for(lambda: screen.step.id == "port-8080", what="the next step")
    again = make_app(lab, tmp_path)
    async with again.run_test(size=(80, 24)) as pilot:
        # kubelab opens where the learner left off: the current step of the current lesson
        await wait_for(lambda: isinstance(again.screen, LessonScreen), what="the lesson")
        screen = again.screen
        assert isinstance(screen, LessonScreen)
        await wait_for(lambda: screen.bindings is not None, what="the lesson to start")
        assert screen.lesson_id == "first-service" and screen.step.id == "port-8080"
        assert screen.step_state("create-web") == "passed"
        screen.focus_next("#step-list")
        await pilot.press("l")
        await wait_for(lambda: isinstance(again.screen, HomeScreen), what="the lesson list")
        await pilot.pause()
        first = str(again.screen.query_one("#lessons").get_option_at_index(0).prompt)  # type: ignore[attr-defined]
        assert "◐ 1/2" in first
        assert "1/2 steps passed: in progress" in panel_text(again, "#lesson-detail")
        assert "Enter resumes at step 2: Move it to port 8080" in panel_text(
            again, "#lesson-detail"
        )


async def test_a_failing_worker_lands_in_the_error_modal(lab: LabCluster, tmp_path: Path) -> None:
    class BrokenGrader(ClusterGrader):
        def grade(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
            raise RuntimeError("the grader fell over")

    app = make_app(lab, tmp_path, grader=BrokenGrader())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        await pilot.pause()
        await pilot.press("enter")  # opening the lesson grades its first step
        await wait_for(lambda: isinstance(app.screen, ErrorScreen), what="the error modal")
        assert "the grader fell over" in str(app.screen.query_one("#error-message").render())
        assert "Checking the step failed" in str(app.screen.query_one("#error-title").render())
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)


async def test_live_map_flags_a_selector_matching_nothing(lab: LabCluster, tmp_path: Path) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        screen.focus_next("#step-list")
        await pilot.press("m")
        await type_in_console(pilot, screen, "kubectl create service clusterip web --tcp=80:80")
        await wait_for(lambda: "Service web" in panel_text(app, "#map"), what="the map")
        text = panel_text(app, "#map")
        assert "selector app=web" in text and "MATCHES NO POD" in text
        assert "no endpoints" in text


async def test_help_screen_keys_palette_and_remapping(lab: LabCluster, tmp_path: Path) -> None:
    services: Services = services_for(
        StaticProvider(lab), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    app = create_app(services, keymap={"check": "f6"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        screen.focus_next("#step-list")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table").render()
        rendered = str(table)
        assert rendered  # a table renderable
        await pilot.press("escape")
        assert isinstance(app.screen, LessonScreen)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in ("Check", "Hint", "Solution", "Apply", "Reset", "Lessons", "Quit"):
            assert wanted in titles
        # the palette runs an action by name
        await pilot.press("ctrl+p")
        await pilot.press(*"Hint")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(lambda: screen.hints.get("create-web") == 1, what="a hint via the palette")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)
        screen.focus_next("#step-list")
        await pilot.press("c")  # remapped away: nothing happens
        await pilot.pause(0.2)
        assert "create-web" not in screen.results
        await pilot.press("f6")
        await wait_for(lambda: "create-web" in screen.results, what="a check through f6")


async def test_console_interactive_exec_takes_typed_lines_and_ctrl_d(
    lab: LabCluster, tmp_path: Path, sim: object
) -> None:
    kubectl = sim.kubectl  # type: ignore[attr-defined]
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)  # creates the lesson namespace
        made = kubectl("run", "shell", "--image=nginx", "-n", ns(lab))
        assert made.returncode == 0, made.stderr
        ready = kubectl(
            "wait", "--for=condition=Ready", "pod/shell", "-n", ns(lab), "--timeout=30s"
        )
        assert ready.returncode == 0, ready.stderr
        terminal = screen.query_one(Terminal)
        await wait_for(lambda: PROMPT in terminal.text(), what="the shell's prompt")
        terminal.focus()
        await type_keys(pilot, "kubectl exec -it shell -- sh")
        await wait_for(lambda: terminal.text().rstrip().endswith("#"), what="the pod's prompt")
        assert terminal.command_running()
        await type_keys(pilot, "echo $((40 + 2))")
        await wait_for(lambda: "\n42\n" in console_output(terminal), what="the shell's answer")
        await pilot.press("ctrl+d")
        await wait_for(lambda: not terminal.command_running(), what="the exec to end")


async def test_coming_back_finds_the_lesson_as_the_learner_left_it_and_reset_sets_it_up(
    lab: LabCluster, tmp_path: Path, sim: object
) -> None:
    kubectl = sim.kubectl  # type: ignore[attr-defined]
    app = make_app(lab, tmp_path)

    def color() -> str:
        got = kubectl(
            "get", "configmap", "settings", "-n", ns(lab, "second"), "-o", "jsonpath={.data.color}"
        )
        return str(got.stdout) if got.returncode == 0 else "<missing>"

    async def open_second() -> LessonScreen:
        await wait_for(lambda: isinstance(app.screen, HomeScreen))
        app.open_lesson("second")
        await wait_for(lambda: isinstance(app.screen, LessonScreen))
        screen = app.screen
        assert isinstance(screen, LessonScreen)
        await wait_for(lambda: screen.bindings is not None or app.errors, what="lesson start")
        assert not app.errors, app.errors
        return screen

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        screen = await open_second()
        assert color() == "blue"  # the setup was applied
        patched = kubectl(
            "patch",
            "configmap",
            "settings",
            "-n",
            ns(lab, "second"),
            "-p",
            '{"data":{"color":"red"}}',
        )
        assert patched.returncode == 0, patched.stderr
        screen.focus_next("#step-list")
        await pilot.press("l")
        await open_second()
        assert color() == "red"  # not reverted
        kubectl("delete", "configmap", "settings", "-n", ns(lab, "second"))
        app.pop_screen()
        screen = await open_second()
        assert color() == "<missing>"  # the learner's deletion stands
        screen.focus_next("#step-list")
        await pilot.press("R")
        await pilot.press("y")
        await wait_for(lambda: color() == "blue", what="the reset to apply the setup again")


async def test_console_kubectl_run_with_a_tty_then_nslookup_then_exit(
    lab: LabCluster, tmp_path: Path, sim: object
) -> None:
    """The seed's flow: `kubectl run ... -i --tty`, a command at the pod's prompt, `exit`."""
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        terminal = screen.query_one(Terminal)
        await type_in_console(pilot, screen, "kubectl create service clusterip web --tcp=80:80")
        await type_keys(pilot, "kubectl run curl --image=busybox -i --tty")
        await wait_for(
            lambda: "try pressing enter" in console_output(terminal), 30, "kubectl attached"
        )
        await type_keys(pilot, "nslookup web")
        await wait_for(lambda: "Server:" in console_output(terminal), 30, "nslookup")
        await type_keys(pilot, "exit")
        await wait_for(lambda: "Session ended" in console_output(terminal), 30, "the session")
        await wait_for(lambda: not terminal.command_running(), 30, "kubectl to end")


async def test_leaving_the_lesson_with_a_command_running_asks_then_ends_it(
    lab: LabCluster, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        terminal = screen.query_one(Terminal)
        await wait_for(lambda: PROMPT in terminal.text(), what="the shell's prompt")
        terminal.focus()
        await type_keys(pilot, "kubectl get svc -w")
        await wait_for(terminal.command_running, what="the watch")
        session = terminal.session
        assert session is not None
        await pilot.press("ctrl+right_square_bracket", "escape")  # Esc never leaves a lesson
        assert app.screen is screen
        await pilot.press("l")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, HomeScreen))
        await wait_for(lambda: not session.is_alive(), 10, "the shell to be stopped")


async def test_reset_lesson_after_confirming_empties_the_namespace_keeps_passes(
    lab: LabCluster, tmp_path: Path, sim: object
) -> None:
    kubectl = sim.kubectl  # type: ignore[attr-defined]
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_first_lesson(app, pilot)
        await type_in_console(pilot, screen, "kubectl create service clusterip web --tcp=80:80")
        await wait_for(lambda: "create-web" in screen.passed, what="the step to pass")
        screen.focus_next("#step-list")
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # not confirmed: nothing happens
        await pilot.pause(0.2)
        assert kubectl("get", "svc", "web", "-n", ns(lab)).returncode == 0
        await pilot.press("R")
        await pilot.press("y")
        await wait_for(
            lambda: screen.busy is None and "Reset done" in panel_text(app, "#status-line")
        )
        got = kubectl("get", "svc", "web", "-n", ns(lab))
        assert got.returncode != 0 and "NotFound" in got.stderr
        assert screen.passed == {"create-web": False}
