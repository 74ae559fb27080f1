"""`kubelab grade --submission` on the simulator, as CI runs it: several reports from one run
(JUnit with points, JSON, the github summary and annotations naming the file and line), the
objects it did not apply as written, a verdict that does not wait out the lesson's timeouts,
and reports written when the run cannot grade at all (exit 2)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xmlschema

from tests.functional.grading.conftest import COURSES, REPO

SCHEMA = REPO / "tests" / "fixtures" / "junit" / "junit.xsd"

WRONG = """\
apiVersion: v1
kind: Namespace
metadata: {name: mine}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: kube-system
spec:
  selector:
    app: nginx
  ports:
    - port: 80
"""


def course(tmp_path: Path) -> Path:
    """The `good` course with the first check worth 3 points and polled for up to 60 s."""
    target = tmp_path / "course"
    shutil.copytree(COURSES / "good", target)
    lesson = target / "lessons" / "01-nodeport.yaml"
    text = lesson.read_text()
    text = text.replace("        timeout: 3\n", "        timeout: 60\n        points: 3\n", 1)
    lesson.write_text(text)
    return target


def grade(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path, target: str, *reports: str
) -> Any:
    return run_kubelab(
        "grade", target, "--submission", str(tmp_path / "submission"),
        "--lessons", str(course(tmp_path)), "--cluster", "context:kubelab-sim", "--yes",
        "--namespace", lab_ns, *reports,
    )  # fmt: skip


def test_one_run_writes_every_report_with_points_and_annotations(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "all.yaml").write_text(WRONG)
    summary = tmp_path / "summary.md"
    done = grade(
        run_kubelab, lab_ns, tmp_path, "nodeport/create",
        "--report", f"junit:{tmp_path / 'r.xml'}", "--report", f"json:{tmp_path / 'r.json'}",
        "--report", f"github:{summary}",
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    shown = str(submission / "all.yaml")

    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "failed" and data["passed"] is False
    assert data["points"] == {"earned": 1, "possible": 4} and data["score"] == 0.25
    checks = {c["name"]: c for s in data["lessons"][0]["steps"] for c in s["checks"]}
    selector = checks["the Service web selects app=web"]
    assert (selector["points"], selector["earned"]) == (3, 0)
    assert selector["file"] == {"path": shown, "line": 5}
    # graded once the namespace settled, then polled briefly: not for the check's 60 s
    assert "(still so after 2s)" in selector["message"]
    adjustments = data["lessons"][0]["submission"]["adjustments"]
    assert [(a["action"], a["object"], a["file"]["line"]) for a in adjustments] == [
        ("dropped", "Namespace/mine", 1),
        ("moved", "Service/web", 5),
    ]
    assert "kube-system" in adjustments[1]["detail"]

    junit = (tmp_path / "r.xml").read_text()
    xmlschema.XMLSchema(SCHEMA).validate(junit)
    properties = {p.get("name"): p.get("value") for p in ET.fromstring(junit).iter("property")}
    assert properties["points.earned"] == "1" and properties["points.possible"] == "4"
    assert properties["points: nodeport.create the Service web selects app=web"] == "0/3"
    assert "moved: Service/web" in junit

    assert f"::error file={shown},line=5,title=the Service web selects app=web::" in done.stdout
    assert f"::warning file={shown},line=1,title=Namespace/mine dropped::" in done.stdout
    text = summary.read_text()
    assert "FAILED score 1/4 points (25%) (1 passed, 1 failed)" in text.splitlines()[0]
    assert "| ❌ | the Service web selects app=web | create | 0/3 |" in text
    # no text report asked for: the text report is on stderr, with the same headline
    assert "FAILED  score 1/4 points (25%)  (1 passed, 1 failed)" in done.stderr
    assert "moved: Service/web" in done.stderr


def test_a_yaml_error_is_located_in_the_file(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "svc.yaml").write_text("kind: Service\nmetadata:\n  name: [web\n")
    done = grade(run_kubelab, lab_ns, tmp_path, "nodeport/create", "--report", "json")
    assert done.returncode == 1, done.stderr
    checks = json.loads(done.stdout)["lessons"][0]["steps"][0]["checks"]
    message = checks[0]["message"]
    # at the bracket that is never closed, where the learner fixes it
    assert message.startswith("svc.yaml:3:9: invalid YAML: the '[' here is never closed"), message
    assert "<unicode string>" not in message
    assert checks[0]["file"]["line"] == 3


def test_a_run_that_cannot_grade_still_writes_its_reports(
    run_kubelab: Callable[..., Any], lab_ns: str, tmp_path: Path
) -> None:
    (tmp_path / "submission").mkdir()
    done = grade(
        run_kubelab, lab_ns, tmp_path, "services-101",
        "--report", f"junit:{tmp_path / 'r.xml'}", "--report", f"json:{tmp_path / 'r.json'}",
    )  # fmt: skip
    assert done.returncode == 2
    assert "no lesson 'services-101'" in done.stderr and "Traceback" not in done.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["status"] == "error" and data["score"] is None
    assert "no lesson 'services-101'" in data["error"]
    junit = (tmp_path / "r.xml").read_text()
    xmlschema.XMLSchema(SCHEMA).validate(junit)
    error = ET.fromstring(junit).find("testsuite/testcase/error")
    assert error is not None and "services-101" in str(error.get("message"))
