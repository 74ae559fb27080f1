"""The console is a real terminal: the learner's shell (bash here) in a pty, driven by Pilot key
presses on the simulator. Pipes, here-documents, an editor through `kubectl edit`, Ctrl-C, the
keys that must never reach the app while the learner types, and quitting with a command running.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from tui_support import (
    COURSE,
    PROMPT,
    StaticProvider,
    console_output,
    services_for,
    type_keys,
    wait_for,
)

from kubelab.cluster.base import LabCluster
from kubelab.grading.lesson_lab import lesson_namespace
from kubelab.lessons.loader import load_course
from kubelab.tui.app import KubelabApp, create_app
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.help import HelpScreen
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.services import ClusterGrader
from kubelab.tui.widgets.console import Console
from kubelab.tui.widgets.terminal import Terminal

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("bash") is None, reason="the console tests run bash"),
]


@pytest.fixture
def shell_env(tui_env: Path) -> Path:
    """bash with no rc files and the tests' prompt (set by tui_env)."""
    assert os.environ["PS1"].strip() == PROMPT
    return tui_env


def ns(lab: LabCluster) -> str:
    """The namespace the test course's first lesson (the one the console opens in) runs in."""
    return lesson_namespace(lab.namespace, "first-service")


def make_app(cluster: LabCluster, tmp: Path) -> KubelabApp:
    services = services_for(
        StaticProvider(cluster), tmp / "progress.json", course=lambda: load_course(COURSE)
    )
    return create_app(services, keymap={})


async def open_console(app: KubelabApp, pilot: Any) -> tuple[LessonScreen, Terminal]:
    await wait_for(lambda: app.cluster is not None and app.course is not None, what="startup")
    await pilot.pause()
    await pilot.press("enter")
    await wait_for(lambda: isinstance(app.screen, LessonScreen), what="the lesson")
    screen = app.screen
    assert isinstance(screen, LessonScreen)
    await wait_for(lambda: screen.bindings is not None or app.errors, what="lesson start")
    assert not app.errors, app.errors
    terminal = screen.query_one(Terminal)
    await wait_for(
        lambda: PROMPT in terminal.text(),
        what="the shell's prompt",
        shown=lambda: f"; the console shows:\n{terminal.text()}",
    )
    await pilot.press("i")
    assert app.focused is terminal
    return screen, terminal


type_line = type_keys
output = console_output


async def wait_prompt_count(terminal: Terminal, count: int, timeout: float = 30) -> None:
    await wait_for(
        lambda: output(terminal).count(PROMPT) >= count and not terminal.command_running(),
        timeout,
        f"prompt #{count}",
    )


async def test_a_pipe_runs_in_the_lessons_namespace(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, terminal = await open_console(app, pilot)
        await wait_for(lambda: screen.query_one(Console).namespace == ns(lab), what="the title")
        await type_line(pilot, "kubectl create service clusterip web --tcp=80:80")
        await wait_for(lambda: "service/web created" in output(terminal), what="the Service")
        # a pipe, with no namespace flag: the console's context carries the lesson's namespace
        await type_line(pilot, "kubectl get svc -o name | sed 's/^/found: /' | tr a-z A-Z")
        await wait_for(lambda: "FOUND: SERVICE/WEB" in output(terminal), what="the pipe")
        await type_line(pilot, "kubectl config view --minify -o jsonpath='{..namespace}'; echo")
        await wait_for(
            lambda: f"\n{ns(lab)}\n" in output(terminal) + "\n",
            what="the context's namespace",
            shown=lambda: f"; the console shows:\n{output(terminal)}",
        )


async def test_a_here_document_is_saved_in_the_workspace_and_read_back(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        _screen, terminal = await open_console(app, pilot)
        await type_line(pilot, "cat > web.yaml <<'EOF'")
        for line in (
            "apiVersion: v1",
            "kind: Service",
            "metadata: {name: web}",
            "spec: {selector: {app: web}, ports: [{port: 80}]}",
            "EOF",
        ):
            await type_line(pilot, line)
        await type_line(pilot, "kubectl apply -f web.yaml && cat web.yaml | wc -l")
        await wait_for(lambda: "service/web created" in output(terminal), what="the apply")
        await wait_for(lambda: "\n4\n" in output(terminal), what="the file read back")
        saved = Path(os.environ["KUBELAB_STATE_DIR"]) / "workspace" / "course" / "web.yaml"
        assert saved.read_text().splitlines()[1] == "kind: Service"


async def test_q_escape_and_app_keys_go_to_the_shell_not_the_app(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, terminal = await open_console(app, pilot)
        await pilot.press("escape", "q", "l", "c", "tab", "f1", "ctrl+p", "question_mark")
        await pilot.pause(0.3)
        assert app.is_running and app.screen is screen  # nothing quit, left or opened
        assert app.focused is terminal
        assert screen.results == {}  # `c` did not check the step
        await pilot.press("ctrl+u")  # readline: the typed letters are dropped
        await type_line(pilot, "echo still-$((6 * 7))")
        await wait_for(lambda: "still-42" in output(terminal), what="the shell's answer")
        # the one way out: ctrl+] gives the lesson its keys back
        await pilot.press("ctrl+right_square_bracket")
        assert app.focused is not terminal
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        help_text = str(app.screen.query_one("#help-table").render())
        assert help_text  # the table renders
        rows = dict(app.screen.rows)
        assert "ctrl+]" in rows and "pagedown" in rows and "end" in rows
        dialog = app.screen.query_one("#dialog")
        assert dialog.max_scroll_y > 0
        await pilot.press("pagedown")  # the help scrolls with the keys too
        await wait_for(lambda: dialog.scroll_y > 0, what="the help to scroll")


async def test_kubectl_edit_with_a_scripted_editor_on_the_alternate_screen(
    lab: LabCluster, shell_env: Path, tmp_path: Path, sim: Any
) -> None:
    """The editor takes the whole screen (the alternate screen, as vim does), reads keys from
    the terminal (Esc among them), saves; kubectl applies the edit."""
    editor = tmp_path / "editor.sh"
    editor.write_text(
        "#!/bin/sh\n"
        "printf '\\033[?1049h\\033[H\\033[2JEDITING %s\\n' \"$1\"\n"
        "IFS= read -r keys\n"
        "sed -i 's/^  replicas: 1$/  replicas: 3/' \"$1\"\n"
        f'printf %s "$keys" > {tmp_path / "keys.txt"}\n'
        "printf '\\033[?1049l'\n"
    )
    editor.chmod(0o755)
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, terminal = await open_console(app, pilot)
        made = sim.kubectl("create", "deployment", "web", "--image=nginx", "-n", ns(lab))
        assert made.returncode == 0, made.stderr
        await type_line(pilot, f"KUBE_EDITOR={editor} kubectl edit deployment web")
        await wait_for(lambda: "EDITING" in terminal.text(), what="the editor")
        console = screen.query_one(Console)
        assert screen.maximized is console  # the editor gets the whole screen
        await pilot.pause()
        assert terminal.size.height >= 24 - 3  # every row but the title and the footer
        await wait_for(lambda: terminal.vt.lines == terminal.size.height, what="the pty resized")
        await pilot.press("escape", "colon", "w", "q", "enter")
        await wait_for(lambda: "edited" in output(terminal), what="kubectl's answer")
        assert (tmp_path / "keys.txt").read_text() == "\x1b:wq"  # Esc reached the editor
        assert screen.maximized is None
        replicas = sim.kubectl(
            "get", "deployment", "web", "-n", ns(lab), "-o", "jsonpath={.spec.replicas}"
        )
        assert replicas.stdout == "3"


async def test_ctrl_c_stops_a_watch_and_quitting_meanwhile_asks_first(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, terminal = await open_console(app, pilot)
        await type_line(pilot, "kubectl get svc -w")
        await wait_for(terminal.command_running, what="the watch to start")
        # quitting while it runs asks first; no leaves everything as it was
        await pilot.press("ctrl+right_square_bracket", "q")
        assert isinstance(app.screen, ConfirmScreen)
        assert "command in the console" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        assert app.is_running and app.screen is screen and terminal.command_running()
        await pilot.press("i", "ctrl+c")
        await wait_for(lambda: not terminal.command_running(), what="Ctrl-C to stop the watch")
        await wait_prompt_count(terminal, 2)
        await pilot.press("ctrl+right_square_bracket", "q")  # nothing runs: quits at once
        await wait_for(lambda: not app.is_running, what="the app to quit")


async def test_copy_types_the_command_without_running_it(
    lab: LabCluster, shell_env: Path, tmp_path: Path, sim: Any
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, terminal = await open_console(app, pilot)
        await pilot.press("ctrl+right_square_bracket", "y")
        command = "kubectl create service clusterip web --tcp=80:80"
        await wait_for(lambda: command in terminal.text(), what="the copied command")
        assert app.focused is terminal
        await pilot.pause(0.5)
        got = sim.kubectl("get", "svc", "web", "-n", ns(lab))
        assert got.returncode != 0  # typed, not run
        await pilot.press("enter")
        await wait_for(lambda: "create-web" in screen.passed, what="the step to pass")


async def test_scroll_keys_move_the_lesson_from_the_step_list(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    app = make_app(lab, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _terminal = await open_console(app, pilot)
        await pilot.press("ctrl+right_square_bracket", "h", "h")  # both hints: a long page
        screen.query_one("#step-list").focus()
        view = screen.query_one("#step-view")
        assert view.max_scroll_y > 0
        await pilot.press("pagedown")
        await wait_for(lambda: view.scroll_y > 0, what="page down")
        await pilot.press("home")
        await wait_for(lambda: view.scroll_y == 0, what="home")
        await pilot.press("end")
        await wait_for(lambda: view.scroll_y == view.max_scroll_y, what="end")


async def test_quitting_while_the_cluster_is_being_changed_asks_first(
    lab: LabCluster, shell_env: Path, tmp_path: Path
) -> None:
    release = threading.Event()

    class SlowGrader(ClusterGrader):
        def apply_solution(self, *args: Any) -> list[str]:  # type: ignore[override]
            release.wait(30)
            return ["nothing (held by the test)"]

    services = services_for(
        StaticProvider(lab), tmp_path / "progress.json", course=lambda: load_course(COURSE)
    )
    services.grader = SlowGrader()
    app = create_app(services, keymap={})
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            screen, _terminal = await open_console(app, pilot)
            await pilot.press("ctrl+right_square_bracket", "a", "y")  # apply for me: confirmed
            await wait_for(lambda: screen.busy == "apply", what="the apply to start")
            await pilot.press("q")
            assert isinstance(app.screen, ConfirmScreen)
            assert "applying the solution" in str(app.screen.query_one("#question").render())
            await pilot.press("n")
            assert app.is_running and app.screen is screen
            release.set()
            # the worker ends a moment after it hands its result back
            await wait_for(lambda: not app.busy_with(), what="the apply to end")
            await pilot.press("q")
            await wait_for(lambda: not app.is_running, what="the app to quit")
    finally:
        release.set()
