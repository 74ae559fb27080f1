"""`kubelab` with no command: --help stays instant (no textual), no terminal is a clear error."""

from __future__ import annotations

import os
import subprocess
import sys


def test_help_does_not_import_textual() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from kubelab.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert '--lessons' in result.output\n"
        "print('textual' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_without_a_terminal_kubelab_says_so_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kubelab"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_color_makes_the_app_monochrome() -> None:
    code = (
        "import os\n"
        "os.environ['NO_COLOR'] = '1'\n"
        "from textual.filter import Monochrome\n"
        "from kubelab.tui.app import KubelabApp\n"
        "from kubelab.tui.services import Services\n"
        "app = KubelabApp(Services(None, None, None, None, None, None))  # type: ignore\n"
        "print(app.no_color, any(isinstance(f, Monochrome) for f in app._filters))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]


def test_a_folder_that_is_no_course_or_a_bad_keymap_is_a_clear_error(tmp_path: object) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kubelab", "--lessons", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert "not a course folder" in done.stderr and "Traceback" not in done.stderr
    env = {**os.environ, "KUBELAB_KEYS": "check"}
    done = subprocess.run(
        [sys.executable, "-m", "kubelab"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert done.returncode == 2
    assert "KUBELAB_KEYS: expected id=key" in done.stderr


def test_a_cluster_option_that_can_never_work_is_reported_before_the_terminal_check() -> None:
    cases = [
        (["--cluster", "bogus"], "unknown cluster 'bogus'"),
        (["--cluster", "context:"], "needs a context name"),
        (["--cluster", "kind:Bad_Name"], "not a valid kind cluster name"),
        (["--cluster", "context:x", "--namespace", "Bad"], "'Bad' is not a valid namespace name"),
    ]
    for args, expected in cases:
        done = subprocess.run(
            [sys.executable, "-m", "kubelab", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 2, (args, done.stderr)
        assert expected in done.stderr and "needs a terminal" not in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
