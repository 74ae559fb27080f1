"""End to end on a real kind cluster (needs `kind` and a working Docker or Podman).

Skipped with the reason where they are absent (as where kubelab is developed);
`.github/workflows/kind-e2e.yml` runs it on GitHub's runners.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubelab.cluster.kind import detect

REPO = Path(__file__).resolve().parents[2]
USABLE, WHY = detect()

pytestmark = [
    pytest.mark.kind,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(not USABLE, reason=f"kind end-to-end tests need kind and Docker: {WHY}"),
]


def kubelab(*args: str, timeout: float = 1200) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    sys.stderr.write(f"$ kubelab {' '.join(args)} -> {result.returncode}\n{result.stderr}\n")
    sys.stdout.write(result.stdout)
    return result


@pytest.fixture(scope="module")
def kind_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    if not os.environ.get("KUBELAB_STATE_DIR"):
        os.environ["KUBELAB_STATE_DIR"] = str(tmp_path_factory.mktemp("kubelab-state"))
    up = kubelab("up", "--cluster", "kind")
    assert up.returncode == 0, up.stderr
    try:
        yield
    finally:
        down = kubelab("down", "--cluster", "kind", "--yes", timeout=600)
        assert down.returncode == 0, down.stderr


def test_up_gives_three_ready_nodes(kind_cluster: None) -> None:
    status = kubelab("status", "--cluster", "kind", "--json", timeout=120)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["api_reachable"] is True
    assert data["context"] == "kind-kubelab"
    assert data["nodes_ready"] == 3
    assert {"multi-node", "nodeport-from-host"} <= set(data["capabilities"])


def test_a_nodeport_answers_on_127_0_0_1(kind_cluster: None) -> None:
    env = subprocess.run(
        [sys.executable, "-m", "kubelab", "env", "--cluster", "kind"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    kubeconfig = env.stdout.strip().split("=", 1)[1].strip("'")
    kubectl = [str(Path(sys.executable).parent / "kubectl"), f"--kubeconfig={kubeconfig}"]
    manifest = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: e2e-web}
spec:
  selector: {matchLabels: {app: e2e-web}}
  template:
    metadata: {labels: {app: e2e-web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: e2e-web}
spec:
  type: NodePort
  selector: {app: e2e-web}
  ports: [{port: 80, nodePort: 30019}]
"""
    applied = subprocess.run(
        [*kubectl, "apply", "-f", "-"], input=manifest, capture_output=True, text=True, timeout=60
    )
    assert applied.returncode == 0, applied.stderr
    ready = subprocess.run(
        [*kubectl, "rollout", "status", "deployment/e2e-web", "--timeout=300s"],
        capture_output=True,
        text=True,
        timeout=330,
    )
    assert ready.returncode == 0, ready.stderr
    deadline = time.monotonic() + 120
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen("http://127.0.0.1:30019/", timeout=5) as response:
                body = response.read().decode()
            assert "nginx" in body.lower()
            break
        except OSError as exc:
            last = str(exc)
            time.sleep(2)
    else:
        pytest.fail(f"NodePort 30019 never answered on 127.0.0.1: {last}")
    subprocess.run([*kubectl, "delete", "svc,deploy", "e2e-web"], timeout=120, check=False)


def test_lesson_self_test_passes_on_kind(kind_cluster: None) -> None:
    result = kubelab("test", "--cluster", "kind", timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
