"""The whole lesson self-test (`kubelab test`) through the sim provider and through a borrowed
context (a simulator's kubeconfig context, so the context path is exercised for real): it passes,
the steps needing a capability the context lacks are skipped with the reason, and kubelab leaves
nothing of its own behind but its labelled lab namespace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubelab.cluster.base import MANAGED_BY_LABEL
from kubelab.cluster.client import KubeClient

REPO = Path(__file__).resolve().parents[3]
LESSONS: tuple[str, ...] = ()  # the whole course


def kubelab_test(env: dict[str, str], *args: str) -> tuple[int, dict, str]:
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", "test", *LESSONS, "--report", "json", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=env,
    )
    try:
        report = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"no JSON report (exit {result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.returncode, report, result.stderr


def checks(report: dict) -> list[dict]:
    return [
        check
        for lesson in report["lessons"]
        for step in lesson["steps"]
        for check in step["checks"]
    ]


@pytest.mark.timeout(600)
def test_selftest_passes_through_the_sim_provider(tmp_path: Path) -> None:
    env = {**os.environ, "KUBELAB_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path)}
    try:
        code, report, stderr = kubelab_test(env, "--cluster", "sim")
        failed = [c for c in checks(report) if c["status"] not in ("passed", "skipped")]
        assert code == 0, json.dumps(failed, indent=1) + stderr
        assert report["cluster"] in ("sim", "sim:kubelab")
        assert not [c for c in checks(report) if c["status"] == "skipped"]
    finally:
        subprocess.run(
            [sys.executable, "-m", "kubelab", "down", "--cluster", "sim"],
            env=env,
            cwd=REPO,
            timeout=60,
            capture_output=True,
        )


@pytest.mark.timeout(600)
def test_selftest_passes_through_a_borrowed_context(sim, tmp_path: Path) -> None:
    user_kubeconfig = tmp_path / "kubeconfig"
    user_kubeconfig.write_text(sim.kubeconfig.read_text())
    env = {
        **os.environ,
        "KUBELAB_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        "KUBECONFIG": str(user_kubeconfig),
    }
    admin = KubeClient(sim.kubeconfig, None, "default")
    before = {n["metadata"]["name"] for n in admin.list("v1", "Namespace")}
    lab_ns = "kubelab-selftest"
    code, report, stderr = kubelab_test(
        env, "--cluster", "context:kubelab-sim", "--namespace", lab_ns, "--yes"
    )
    failed = [c for c in checks(report) if c["status"] not in ("passed", "skipped")]
    assert code == 0, json.dumps(failed, indent=1) + stderr
    assert report["cluster"] == "context:kubelab-sim"
    skipped = [c for c in checks(report) if c["status"] == "skipped"]
    assert skipped, "the context declares no nodeport-from-host/loadbalancer: steps are skipped"
    assert all(
        "nodeport-from-host" in c["message"] or "loadbalancer" in c["message"] for c in skipped
    )
    # everything the self-test created is gone; only the labelled lab namespace stays
    after = {
        n["metadata"]["name"]: n
        for n in admin.list("v1", "Namespace")
        if not n["metadata"].get("deletionTimestamp")
    }
    assert set(after) - before == {lab_ns}
    assert after[lab_ns]["metadata"]["labels"][MANAGED_BY_LABEL] == "kubelab"
    assert user_kubeconfig.read_text() == sim.kubeconfig.read_text()
    down = subprocess.run(
        [sys.executable, "-m", "kubelab", "down", "--cluster", "context:kubelab-sim",
         "--namespace", lab_ns, "--yes"],
        env=env, cwd=REPO, timeout=60, capture_output=True, text=True,
    )  # fmt: skip
    assert down.returncode == 0, down.stderr
    assert admin.get("v1", "Namespace", lab_ns) is None or admin.get("v1", "Namespace", lab_ns)[
        "metadata"
    ].get("deletionTimestamp")
