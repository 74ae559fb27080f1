"""End to end: the real `kubelab` command in a pseudo-terminal, driven as a new user would.

A fresh state dir, `kubelab --cluster sim` (kubelab provisions its own simulator), lesson 2: the
tutorial's Service saved with a here-document in the console (the learner's shell, started in the
course's workspace folder), applied, looked at through a pipe; the check pressed, the step seen
passing. The screen is read through a terminal emulator (pyte), so the test sees what the learner
sees.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pyte
import pytest

REPO = Path(__file__).resolve().parents[2]
COLS, ROWS = 80, 24

pytestmark = pytest.mark.timeout(150)


class Terminal:
    """A pty running a command, with an emulated 80x24 screen."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(
            argv[0], argv[1:], cwd=str(cwd), env=env, dimensions=(ROWS, COLS), timeout=5
        )

    def pump(self, seconds: float = 0.05) -> None:
        try:
            data = self.child.read_nonblocking(65536, timeout=seconds)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            return
        self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, wanted: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{wanted!r} not on screen after {timeout}s:\n{self.text()}")
            if not self.child.isalive():
                self.pump(0.2)
                raise AssertionError(f"kubelab exited before {wanted!r}:\n{self.text()}")
            self.pump()

    def settle(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump()

    def send(self, keys: str, pause: float = 0.3) -> None:
        self.child.send(keys)
        # let the app read the keys alone (an escape followed at once by a letter is alt+letter)
        self.settle(pause)


def kubelab_argv() -> list[str]:
    script = Path(sys.executable).parent / "kubelab"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "kubelab"]


@pytest.fixture
def learner(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A new learner: an empty state dir and home, bash as their shell (with no rc files: the
    system's bashrc would set its own prompt), starting kubelab from an empty folder."""
    work = tmp_path / "work"
    work.mkdir()
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("the console's end-to-end test types bash")
    shell = tmp_path / "bash-norc"
    shell.write_text(f'#!/bin/sh\nexec {bash} --norc --noprofile "$@"\n')
    shell.chmod(0o755)
    env = dict(os.environ)
    env.update(
        {
            "HOME": str(tmp_path / "home"),
            "KUBELAB_STATE_DIR": str(tmp_path / "state"),
            "KUBECACHEDIR": str(tmp_path / "kubectl-cache"),
            "TERM": "xterm-256color",
            "COLUMNS": str(COLS),
            "LINES": str(ROWS),
            "SHELL": str(shell),
            "PS1": "learner$ ",
        }
    )
    for name in ("KUBECONFIG", "KUBELAB_CLUSTER", "KUBELAB_KEYS", "NO_COLOR"):
        env.pop(name, None)
    yield work, env
    subprocess.run(
        [*kubelab_argv(), "down", "--cluster", "sim"],
        cwd=work,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_a_new_learner_passes_lesson_two_step_one(learner: tuple[Path, dict[str, str]]) -> None:
    work, env = learner
    term = Terminal([*kubelab_argv(), "--cluster", "sim"], work, env)
    try:
        term.wait_for("✔ ready", timeout=60)
        term.wait_for("02 A ClusterIP Service")
        term.send("\x1b[B")  # down: lesson 2
        term.send("\r")
        term.wait_for("Step 1/2: Create the Service")
        term.wait_for("learner$", timeout=30)  # the console's shell is at its prompt
        term.send("\x1b[F")  # End: the lesson's foot, where its status line is
        term.wait_for(
            "Lesson ready in namespace kubelab-clusterip-service", timeout=60
        )  # setup applied
        term.send("\x1b[H")  # Home
        term.wait_for("Step 1/2: Create the Service")
        term.send("i")
        # the tutorial's nginx-svc.yaml, saved with a here-document in the workspace folder
        term.send("cat > nginx-svc.yaml <<'EOF'\r")
        manifest = (REPO / "manifests" / "nginx-svc.yaml").read_text().splitlines()
        for line in [*manifest, "EOF"]:
            term.send(line + "\r", pause=0.05)
        term.send("kubectl apply -f nginx-svc.yaml\r")
        term.wait_for("service/my-nginx created")
        term.send("kubectl get svc -o name | grep nginx | tr a-z A-Z\r")
        term.wait_for("SERVICE/MY-NGINX")
        term.send("q\r")  # typed into the shell: kubelab stays
        term.wait_for("q: command not found")
        term.send("\x1d", pause=0.5)  # ctrl+]: back to the lesson
        term.send("c")
        term.wait_for("✔  1. Create the", timeout=60)
        term.wait_for("Step 2/2", timeout=30)  # a passed step moves the learner on
        term.send("\x11")  # ctrl+q
        term.child.expect(pexpect.EOF, timeout=15)
    finally:
        if term.child.isalive():
            term.child.terminate(force=True)
    term.child.close()
    assert term.child.exitstatus == 0
    saved = Path(env["KUBELAB_STATE_DIR"]) / "workspace" / "kubelab" / "nginx-svc.yaml"
    assert saved.read_text() == (REPO / "manifests" / "nginx-svc.yaml").read_text()
    progress = json.loads((Path(env["KUBELAB_STATE_DIR"]) / "progress.json").read_text())
    step = progress["lessons"]["clusterip-service"]["steps"]["create-the-service"]
    assert step["passed_at"] and not step["solution_applied"]
