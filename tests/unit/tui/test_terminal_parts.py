"""The console's terminal, without textual: the emulated screen (scrollback, the alternate
screen, resizing, DEC private sequences pyte does not know), the bytes keys send, the shell's
pty (foreground command, exit), and the workspace and kubeconfig the shell gets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyte
import pytest
import yaml

from kubelab.cluster.base import ClusterError, LabCluster
from kubelab.tui.shell_session import PtyShellRunner, ShellStartError, shell_program
from kubelab.tui.terminal_keys import key_bytes, paste_bytes
from kubelab.tui.terminal_screen import TerminalScreen, plain_line
from kubelab.tui.workspace import (
    CONSOLE_CONTEXT,
    console_kubeconfig,
    console_kubeconfig_path,
    shell_env,
    shown_path,
    workspace_dir,
)


def screen_with(data: bytes, cols: int = 20, rows: int = 4) -> TerminalScreen:
    screen = TerminalScreen(cols, rows)
    pyte.ByteStream(screen).feed(data)
    return screen


def lines(screen: TerminalScreen, back: int = 0) -> list[str]:
    return [plain_line(screen, line) for line in screen.visible_lines(back)]


def test_lines_leaving_the_top_are_kept_and_shown_when_scrolled_back() -> None:
    screen = screen_with(b"".join(b"line %d\r\n" % n for n in range(6)))
    assert lines(screen) == ["line 3", "line 4", "line 5", ""]
    assert [plain_line(screen, line) for line in screen.scrollback] == [
        "line 0",
        "line 1",
        "line 2",
    ]
    assert lines(screen, back=2) == ["line 1", "line 2", "line 3", "line 4"]
    pyte.ByteStream(screen).feed(b"\x1b[3J")  # `clear` forgets the scrollback too
    assert not screen.scrollback


def test_the_alternate_screen_gives_the_shells_screen_back() -> None:
    screen = screen_with(b"$ vim\r\n")
    stream = pyte.ByteStream(screen)
    stream.feed(b"\x1b[?1049h\x1b[HEDITOR\r\n~\r\n~\r\n~\r\n~\r\n")
    assert screen.alternate and lines(screen)[0] == "~"
    assert not screen.scrollback  # what vim scrolls is not the learner's history
    stream.feed(b"\x1b[?1049l")
    assert not screen.alternate
    assert lines(screen) == ["$ vim", "", "", ""]
    assert (screen.cursor.x, screen.cursor.y) == (0, 1)


def test_private_sequences_pyte_does_not_know_are_ignored_not_fatal() -> None:
    # vim's modifier-key query (CSI ? 4 m) and a private DSR: pyte would raise TypeError
    screen = screen_with(b"\x1b[?4m\x1b[?6nok")
    assert lines(screen)[0] == "ok"


def test_queries_are_answered_to_the_program() -> None:
    screen = TerminalScreen(20, 4)
    answers: list[str] = []
    screen.reply = answers.append
    pyte.ByteStream(screen).feed(b"ab\x1b[6n")  # where is the cursor?
    assert answers == ["\x1b[1;3R"]


def test_shrinking_moves_content_and_cursor_up_together() -> None:
    screen = screen_with(b"a\r\nb\r\nc\r\n$ ", rows=4)
    screen.resize(2, 20)
    assert lines(screen) == ["c", "$"]
    assert (screen.cursor.x, screen.cursor.y) == (2, 1)
    assert [plain_line(screen, line) for line in screen.scrollback] == ["a", "b"]
    screen.resize(4, 10)
    assert lines(screen) == ["c", "$", "", ""] and screen.cursor.y == 1


def test_modes_programs_switch_on() -> None:
    screen = screen_with(b"\x1b[?1h\x1b[?2004h")
    assert screen.application_cursor and screen.bracketed_paste
    pyte.ByteStream(screen).feed(b"\x1b[?1l\x1b[?2004l")
    assert not screen.application_cursor and not screen.bracketed_paste


@pytest.mark.parametrize(
    ("key", "character", "application", "sent"),
    [
        ("a", "a", False, b"a"),
        ("q", "q", False, b"q"),
        ("escape", "\x1b", False, b"\x1b"),
        ("enter", "\r", False, b"\r"),
        ("tab", "\t", False, b"\t"),
        ("backspace", "\x7f", False, b"\x7f"),
        ("ctrl+c", None, False, b"\x03"),
        ("ctrl+d", None, False, b"\x04"),
        ("ctrl+right_square_bracket", None, False, b"\x1d"),
        ("up", None, False, b"\x1b[A"),
        ("up", None, True, b"\x1bOA"),
        ("ctrl+left", None, False, b"\x1b[1;5D"),
        ("pagedown", None, False, b"\x1b[6~"),
        ("shift+delete", None, False, b"\x1b[3;2~"),
        ("f1", None, False, b"\x1bOP"),
        ("f12", None, False, b"\x1b[24~"),
        ("shift+tab", None, False, b"\x1b[Z"),
        ("alt+b", None, False, b"\x1bb"),
        ("é", "é", False, "é".encode()),
    ],
)
def test_keys_send_what_an_xterm_sends(
    key: str, character: str | None, application: bool, sent: bytes
) -> None:
    assert key_bytes(key, character, application_cursor=application) == sent


def test_pasted_text_is_bracketed_when_the_shell_asked() -> None:
    assert paste_bytes("a\nb", bracketed=False) == b"a\rb"
    assert paste_bytes("a\nb", bracketed=True) == b"\x1b[200~a\rb\x1b[201~"
    # text cannot end the paste early (and run what follows)
    assert paste_bytes("x\x1b[201~rm", bracketed=True) == b"\x1b[200~xrm\x1b[201~"


def test_the_shell_is_shell_else_bash_else_sh(tmp_path: Path) -> None:
    path = os.environ["PATH"]
    assert shell_program({"SHELL": "/no/such/shell", "PATH": path}).endswith(("bash", "sh"))
    with pytest.raises(ShellStartError, match="no shell found"):
        shell_program({"SHELL": "/no/such/shell", "PATH": str(tmp_path)})


def read_until(session: object, wanted: bytes, timeout: float = 10.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        assert time.monotonic() < deadline, seen
        data = session.read(0.1)  # type: ignore[attr-defined]
        assert data is not None, seen
        seen += data
    return seen


def test_a_foreground_command_is_told_from_the_shell_at_its_prompt(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "PS1": "ready> ", "HOME": str(tmp_path)}
    session = PtyShellRunner().spawn(["sh"], env, tmp_path, (24, 80))
    try:
        read_until(session, b"ready> ")
        assert not session.foreground_command()
        session.write(b"sleep 30\r")
        deadline = time.monotonic() + 10
        while not session.foreground_command():
            assert time.monotonic() < deadline
            session.read(0.05)
        session.write(b"\x03")  # Ctrl-C reaches the command through the pty
        read_until(session, b"ready> ")
        assert not session.foreground_command()
        session.write(b"pwd; exit 3\r")
        assert str(tmp_path).encode() in read_until(session, str(tmp_path).encode())
        while session.read(0.1) is not None:
            pass
        session.close()
        assert session.wait_exit() == 3
    finally:
        session.close()


def test_the_workspace_and_the_consoles_kubeconfig(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    assert workspace_dir(Path("/any"), bundled=True) == tmp_path / "state/workspace/kubelab"
    assert workspace_dir(Path("/x/My Course"), bundled=False).name == "My-Course"
    assert shown_path(tmp_path / "a" / "b", home=str(tmp_path)) == "~/a/b"
    assert shown_path(Path("/elsewhere"), home=str(tmp_path)) == "/elsewhere"
    lab = tmp_path / "lab.kubeconfig"
    lab.write_text(
        "contexts: [{name: kubelab-sim, context: {cluster: c1, user: u1, namespace: x}}]\n"
    )
    cluster = LabCluster(
        provider="sim",
        name="kubelab",
        kubeconfig=lab,
        context="kubelab-sim",
        namespace="default",
        capabilities=frozenset(),
    )
    overlay = tmp_path / "state" / "console" / "k.yaml"
    console_kubeconfig(overlay, cluster, "lesson-ns")
    config = yaml.safe_load(overlay.read_text())
    assert config["current-context"] == CONSOLE_CONTEXT
    assert config["contexts"] == [
        {
            "name": CONSOLE_CONTEXT,
            "context": {"cluster": "c1", "user": "u1", "namespace": "lesson-ns"},
        }
    ]
    assert overlay.stat().st_mode & 0o077 == 0  # private, like every kubeconfig kubelab writes
    env = shell_env(cluster, overlay, {"PATH": "/usr/bin", "COLUMNS": "10"})
    assert env["KUBECONFIG"] == f"{overlay}{os.pathsep}{lab}"
    assert env["PATH"].split(os.pathsep)[1:] == ["/usr/bin"]  # kubelab's kubectl dir first
    assert "COLUMNS" not in env and env["TERM"] == "xterm-256color"
    # a kubeconfig left by a kubelab that was killed is removed; a live one's is kept
    folder = tmp_path / "state" / "console"
    (folder / "kubeconfig-999999999.yaml").write_text("left over")
    (folder / "kubeconfig-1.yaml").write_text("pid 1 is alive")
    assert console_kubeconfig_path() == folder / f"kubeconfig-{os.getpid()}.yaml"
    assert not (folder / "kubeconfig-999999999.yaml").exists()
    assert (folder / "kubeconfig-1.yaml").exists()
    lab.write_text("contexts: []\n")
    with pytest.raises(ClusterError, match="has no context 'kubelab-sim'"):
        console_kubeconfig(overlay, cluster, "lesson-ns")
