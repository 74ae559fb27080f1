"""`kubelab grade --submission DIR`: the learner's manifests in a fresh namespace; invalid YAML and
refused objects are the learner's failures with the parser's or the API's message."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

GOOD = "tests/fixtures/courses/good"

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: somewhere-else
spec:
  selector:
    app: web
  ports:
    - port: 80
"""


def submit(run_kubelab: Callable[..., Any], lab_ns: str, directory: Path, target: str) -> Any:
    return run_kubelab(
        "grade", target, "--submission", str(directory), "--lessons", GOOD,
        "--cluster", "context:kubelab-sim", "--yes", "--namespace", lab_ns,
        "--report", "json",
    )  # fmt: skip


def checks_of(done: Any) -> dict[str, Any]:
    report = json.loads(done.stdout)
    return {c["name"]: c for s in report["lessons"][0]["steps"] for c in s["checks"]}


def test_a_correct_submission_passes(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "ci.yml").write_text("not: [a manifest")
    done = submit(run_kubelab, lab_ns, tmp_path, "nodeport/create")
    assert done.returncode == 0, done.stdout + done.stderr
    checks = checks_of(done)
    assert checks["apply svc.yaml"]["status"] == "passed"
    assert "Service/web" in checks["apply svc.yaml"]["message"]
    assert set(checks) == {"apply svc.yaml", "the Service web selects app=web"}


def test_invalid_yaml_and_refused_objects_are_failures(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    (tmp_path / "a-broken.yaml").write_text("kind: Service\nmetadata: {name: [x\n")
    (tmp_path / "b-refused.yaml").write_text(SERVICE.replace("- port: 80", "- port: 99999"))
    done = submit(run_kubelab, lab_ns, tmp_path, "nodeport/create")
    assert done.returncode == 1, done.stdout + done.stderr
    checks = checks_of(done)
    broken = checks["apply a-broken.yaml"]
    assert broken["status"] == "failed" and "invalid YAML" in broken["message"]
    assert broken["message"].startswith("a-broken.yaml:2:"), broken["message"]
    refused = checks["apply b-refused.yaml"]
    assert refused["status"] == "failed" and "refused by the API" in refused["message"]
    assert "99999" in refused["message"] or "port" in refused["message"]
    assert checks["the Service web selects app=web"]["status"] == "failed"
    assert "Traceback" not in done.stderr


def test_an_empty_submission_fails(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    done = submit(run_kubelab, lab_ns, tmp_path, "nodeport/create")
    assert done.returncode == 1
    assert any("no .yaml" in c["message"] for c in checks_of(done).values())
