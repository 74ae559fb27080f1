"""The kubectl runner uses the kubectl beside kubelab's Python, with kubelab's kubeconfig."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kubelab.cluster import kubectl
from kubelab.cluster.base import ClusterError


def test_kubectl_path_is_beside_the_interpreter() -> None:
    assert kubectl.kubectl_path() == Path(sys.executable).parent / "kubectl"


def test_missing_kubectl_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(ClusterError, match="kubectl not found beside kubelab's Python"):
        kubectl.kubectl_path()


def _fake_kubectl(tmp_path: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "kubectl"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))


def test_run_kubectl_passes_kubeconfig_and_drops_leading_kubectl(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_kubectl(tmp_path, 'echo "$@"; echo "KC=$KUBECONFIG" >&2; cat\n', monkeypatch)
    result = kubectl.run_kubectl(
        ["kubectl", "get", "svc"], kubeconfig=tmp_path / "kc", input="stdin!", timeout=10
    )
    assert result.returncode == 0
    assert result.stdout.splitlines() == [f"--kubeconfig={tmp_path / 'kc'} get svc", "stdin!"]
    assert result.stderr.strip() == f"KC={tmp_path / 'kc'}"


def test_run_kubectl_timeout_is_a_cluster_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fake_kubectl(tmp_path, "exec sleep 5\n", monkeypatch)
    with pytest.raises(ClusterError, match=r"did not finish within 0\.3s"):
        kubectl.run_kubectl(["get", "pods"], kubeconfig=tmp_path / "kc", timeout=0.3)


def test_the_real_kubectl_runs() -> None:
    result = kubectl.run_kubectl(
        ["version", "--client", "-o", "json"], kubeconfig=Path("/nonexistent"), timeout=30
    )
    assert result.returncode == 0
    assert '"clientVersion"' in result.stdout
