"""A lesson's commands are allowed, not forbidden (issue 15's reproductions).

A lesson whose solution poisons kubelab's kubeconfig with an exec credential plugin (`kubectl
config set-credentials ... --exec-command=sh`) does not lint, does not load, and is refused
again right before running even when handed to the runner directly: no host command runs and
the kubeconfig is unchanged. Words after `--` are kubectl's own arguments (except for `exec` and
`run`), so `delete --wait=false -- namespace victim` and `label --overwrite -- node ...` are
refused as the writes to cluster-scoped objects they are. Allowed commands run against a private
read-only copy of the kubeconfig.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_security import LESSON, lesson_with

from kubelab.cluster.client import KubeClient
from kubelab.grading import actions
from kubelab.grading.actions import ActionFailed, run_command
from kubelab.lessons.problems import LessonLoadError

ROOT = Path(__file__).resolve().parents[2]


def poison(target: Path) -> list[list[str]]:
    return [
        [
            "kubectl",
            "config",
            "set-credentials",
            "kubelab-sim",
            "--exec-command=sh",
            "--exec-api-version=client.authentication.k8s.io/v1",
            "--exec-interactive-mode=Never",
            "--exec-arg=-c",
            f"--exec-arg=id > {target}",
        ],
        ["kubectl", "config", "unset", "users.kubelab-sim.token"],
    ]


@pytest.fixture
def own_kubeconfig(sim: Any, tmp_path: Path) -> Iterator[KubeClient]:
    """A client on a copy of the simulator's kubeconfig (the poisoning must not reach the
    session's shared one even if it worked), in a lab namespace of its own."""
    copy = tmp_path / "kubeconfig"
    shutil.copyfile(sim.kubeconfig, copy)
    copy.chmod(0o600)
    name = f"lab-{secrets.token_hex(3)}"
    with KubeClient(copy, None, name) as client:
        client.ensure_namespace(name)
        yield client
        client.delete_namespace(name)


def test_a_kubeconfig_poisoning_lesson_does_not_lint(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    root = tmp_path / "course"
    (root / "lessons").mkdir(parents=True)
    lesson = root / "lessons" / "01-rules.yaml"
    lesson.write_text(LESSON.format(manifests="", commands=json.dumps(poison(target))))
    ran = subprocess.run(
        [sys.executable, "-m", "kubelab", "lint", "--lessons", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    located = re.findall(rf"{re.escape(str(lesson))}:(\d+):(\d+): (.*)", ran.stdout + ran.stderr)
    messages = [m for _, _, m in located if "`kubectl config`" in m]
    assert len(messages) == 2, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    assert not target.exists()


def test_the_runner_refuses_it_before_running(own_kubeconfig: KubeClient, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    before = own_kubeconfig.kubeconfig.read_bytes()
    for argv in poison(target):
        with pytest.raises(ActionFailed, match="kubectl config"):
            run_command(own_kubeconfig, argv, own_kubeconfig.namespace)
    assert own_kubeconfig.kubeconfig.read_bytes() == before
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "kubectl"),
            "--kubeconfig",
            str(own_kubeconfig.kubeconfig),
            "--cache-dir",
            str(tmp_path / "cache"),
            "get",
            "ns",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not target.exists(), "a host command ran"


@pytest.mark.parametrize(
    "argv",
    [
        ["kubectl", "delete", "--wait=false", "--", "namespace", "{victim}"],
        ["kubectl", "label", "--overwrite", "--", "node", "{node}", "pwned=yes"],
        ["kubectl", "cp", "/etc/passwd", "some-pod:/tmp/x"],
        ["kubectl", "proxy", "--port=0"],
        ["kubectl", "config", "set", "clusters.kubelab-sim.server", "https://127.0.0.2:1"],
        ["kubectl", "create", "clusterrolebinding", "pwn", "--clusterrole=cluster-admin"],
    ],
)
def test_dash_dash_and_host_verbs_do_not_get_through(
    own_kubeconfig: KubeClient, sim: Any, tmp_path: Path, argv: list[str]
) -> None:
    victim = f"victim-{secrets.token_hex(3)}"
    own_kubeconfig.ensure_namespace(victim)
    node = sim.kubectl("get", "nodes", "-o", "name", check=True).stdout.split()[0].split("/")[1]
    filled = [a.replace("{victim}", victim).replace("{node}", node) for a in argv]
    try:
        with pytest.raises(LessonLoadError):
            lesson_with(tmp_path, None, [filled])
        with pytest.raises(ActionFailed, match="refused"):
            run_command(own_kubeconfig, filled, own_kubeconfig.namespace)
        namespace = own_kubeconfig.get("v1", "Namespace", victim)
        assert namespace is not None and not namespace["metadata"].get("deletionTimestamp")
        labels = own_kubeconfig.get("v1", "Node", node) or {}
        assert "pwned" not in (labels.get("metadata", {}).get("labels") or {})
    finally:
        with contextlib.suppress(Exception):
            own_kubeconfig.delete_namespace(victim)


def test_allowed_commands_run_against_a_private_read_only_copy(
    own_kubeconfig: KubeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Path, int, bytes]] = []
    real = actions.run_kubectl

    def spy(args: list[str], *, kubeconfig: Path, **kwargs: Any) -> Any:
        seen.append((kubeconfig, stat.S_IMODE(kubeconfig.stat().st_mode), kubeconfig.read_bytes()))
        return real(args, kubeconfig=kubeconfig, **kwargs)

    monkeypatch.setattr(actions, "run_kubectl", spy)
    run_command(
        own_kubeconfig,
        ["kubectl", "create", "configmap", "mine", "--from-literal=a=1"],
        own_kubeconfig.namespace,
    )
    assert own_kubeconfig.get("v1", "ConfigMap", "mine") is not None
    ((used, mode, content),) = seen
    assert used != own_kubeconfig.kubeconfig
    assert mode == 0o400
    assert content == own_kubeconfig.kubeconfig.read_bytes()
    assert not used.exists(), "the private copy is removed after the command"
