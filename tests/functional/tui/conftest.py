"""Fixtures for the TUI's Pilot tests: a lab cluster (own namespace) on the shared simulator."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tui_support import PROMPT, lab_cluster

from kubelab.cluster.base import LabCluster


@pytest.fixture
def tui_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """kubectl in the console gets its own cache dir and home; progress lives in tmp_path."""
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kubectl-cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("KUBELAB_KEYS", raising=False)
    # the console's shell: bash without rc files (the system's bashrc sets its own prompt),
    # with a prompt the tests wait for
    bash = shutil.which("bash")
    shell = tmp_path / "bash-norc"
    shell.write_text(f'#!/bin/sh\nexec {bash} --norc --noprofile "$@"\n' if bash else "")
    shell.chmod(0o755)
    monkeypatch.setenv("SHELL", str(shell) if bash else "sh")
    monkeypatch.setenv("PS1", PROMPT + " ")
    monkeypatch.delenv("PROMPT_COMMAND", raising=False)
    return tmp_path


@pytest.fixture
def lab(sim: object, tui_env: Path) -> Iterator[LabCluster]:
    """A LabCluster on the test simulator with a namespace of its own and a kubeconfig of its
    own (a lesson points its context at the lesson's namespace); its namespaces and its lessons'
    are deleted afterwards."""
    kubeconfig = tui_env / "lab.kubeconfig"
    kubeconfig.write_text(sim.kubeconfig.read_text())  # type: ignore[attr-defined]
    kubeconfig.chmod(0o600)
    cluster = lab_cluster(kubeconfig)
    yield cluster
    sim.kubectl(  # type: ignore[attr-defined]
        "delete", "namespace", cluster.namespace, "--ignore-not-found", "--wait=false"
    )
    sim.kubectl(  # type: ignore[attr-defined]
        "delete", "namespace", "-l", f"kubelab.dev/lab={cluster.namespace}", "--wait=false"
    )
