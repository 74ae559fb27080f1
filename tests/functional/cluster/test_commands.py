"""`kubelab up/status/env/shell/down` end to end with the simulator, as a learner runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def run(tmp_path: Path):
    env = {
        **os.environ,
        "KUBELAB_STATE_DIR": str(tmp_path / "state"),
        "KUBELAB_CONFIG": str(tmp_path / "config.toml"),
        "HOME": str(tmp_path / "home"),
        "PATH": "/usr/bin:/bin",  # no kind here: auto must pick the simulator
    }
    env.pop("KUBELAB_CLUSTER", None)
    env.pop("KUBECONFIG", None)

    def run(*args: str, stdin: str | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kubelab", *args],
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=90,
            cwd=REPO,
            env={**env, **extra},
        )

    yield run
    run("down")


def test_up_status_env_shell_down(run, tmp_path: Path) -> None:
    up = run("up")
    assert up.returncode == 0, up.stderr
    assert "auto picked the simulator: no `kind` binary on PATH" in up.stderr
    kubeconfig = tmp_path / "state" / "sim" / "kubeconfig"
    assert f"kubeconfig: {kubeconfig}" in up.stdout
    remembered = json.loads((tmp_path / "state" / "cluster.json").read_text())
    assert remembered["spec"] == "sim"

    status = run("status", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["spec"] == "sim" and data["api_reachable"] is True
    assert data["reason"] == "the cluster `kubelab up` provisioned (sim)"
    assert data["context"] == "kubelab-sim" and data["namespace"] == "default"

    text = run("status")
    assert text.returncode == 0
    assert "API reachable: yes" in text.stdout

    env = run("env")
    assert env.returncode == 0
    assert env.stdout == f"export KUBECONFIG={kubeconfig}\n"
    assert run("env", "--shell", "fish").stdout == f"set -gx KUBECONFIG {kubeconfig}\n"

    shell = run(
        "shell",
        stdin='echo "KC=$KUBECONFIG"; command -v kubectl; kubectl get ns default -o name\n',
        SHELL="/bin/sh",
    )
    assert shell.returncode == 0, shell.stderr
    lines = shell.stdout.splitlines()
    assert lines[0] == f"KC={kubeconfig}"
    assert lines[1] == str(Path(sys.executable).parent / "kubectl")
    assert lines[2] == "namespace/default"

    down = run("down")
    assert down.returncode == 0, down.stderr
    assert "Lab cluster sim is down." in down.stdout
    assert not (tmp_path / "state" / "cluster.json").exists()
    after = run("status")
    assert after.returncode == 2
    assert "the simulator is not running" in after.stdout


def test_env_before_up_is_a_clear_error(run) -> None:
    result = run("env", "--cluster", "sim")
    assert result.returncode == 2
    assert "the lab cluster sim is not up" in result.stderr
    assert "kubelab up --cluster sim" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_cluster_value(run) -> None:
    result = run("status", "--cluster", "minikube")
    assert result.returncode == 2
    assert "unknown cluster 'minikube'" in result.stderr


def test_env_var_and_config_file_choose_the_default(run, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('cluster = "kind:classroom"\n')
    by_config = run("status", "--json")
    assert json.loads(by_config.stdout)["spec"] == "kind:classroom"
    assert "config.toml" in json.loads(by_config.stdout)["reason"]
    by_env = run("status", "--json", KUBELAB_CLUSTER="sim")
    assert json.loads(by_env.stdout)["reason"] == "KUBELAB_CLUSTER=sim"


def test_shell_passes_on_the_exit_code_and_reports_a_missing_shell(run) -> None:
    assert run("up", "--cluster", "sim").returncode == 0
    assert run("shell", stdin="exit 7\n", SHELL="/bin/sh").returncode == 7
    missing = run("shell", SHELL="/nonexistent/shell")
    assert missing.returncode == 2
    assert "cannot start your shell /nonexistent/shell: not found" in missing.stderr
