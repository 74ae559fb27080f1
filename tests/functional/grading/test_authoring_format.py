"""The lesson format's authoring features on the simulator, through `kubelab test`: wrong answers
(rejected with the diagnosis named; a recorded "wrong" answer that passes, or a diagnosis the
grader never names, is a defect of the lesson), a step's own setup applied before its checks and
solution, live values in exec and http expectations; a check that cannot run is located in the
lesson file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.functional.grading.test_selftest_command import live_test_namespaces, selftest

COURSE = "tests/fixtures/courses/authoring"


def checks_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        check["name"]: check
        for lesson in report["lessons"]
        for step in lesson["steps"]
        for check in step["checks"]
    }


def test_authoring_features(run_kubelab: Callable[..., Any], sim: Any, lab_ns: str) -> None:
    done = selftest(run_kubelab, lab_ns, COURSE, "--report", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    checks = checks_of(json.loads(done.stdout))
    typo = (
        "wrong answer 'a typo in the selector' is graded as failing, naming 'no pod in namespace'"
    )
    assert checks[typo]["status"] == "passed", checks[typo]
    right = (
        "wrong answer 'a right answer recorded as wrong' is graded as failing, naming 'selector'"
    )
    assert checks[right]["status"] == "failed"
    assert "every check passes" in checks[right]["message"]
    unnamed = (
        "wrong answer 'a mistake with the wrong diagnosis' is graded as failing, naming 'xyzzy'"
    )
    assert checks[unnamed]["status"] == "failed"
    assert "never mention 'xyzzy'" in checks[unnamed]["message"]
    # each wrong answer was taken back: the solution's checks pass after it
    assert checks["web has 2 endpoints [passes after the solution]"]["status"] == "passed"
    for name in (
        "the step's own setup was applied before its solution",
        "nslookup echo gives the Service's clusterIP",
        "http://echo/hostname answers the pod's name",
    ):
        assert checks[f"{name} [fails before the solution]"]["status"] == "passed", name
        assert checks[f"{name} [passes after the solution]"]["status"] == "passed", name
    assert live_test_namespaces(sim) == []


def test_a_check_that_cannot_run_is_located(
    run_kubelab: Callable[..., Any], sim: Any, lab_ns: str, tmp_path: Path
) -> None:
    course = tmp_path / "course"
    (course / "lessons").mkdir(parents=True)
    (course / "manifests").mkdir()
    source = Path(COURSE)
    for manifest in (source / "manifests").iterdir():
        (course / "manifests" / manifest.name).write_text(manifest.read_text())
    lesson = yaml.safe_load((source / "lessons" / "01-authoring.yaml").read_text())
    lesson["steps"] = lesson["steps"][:1]
    lesson["steps"][0]["wrong_answers"] = []
    lesson["steps"][0]["checks"].append(
        {
            "kind": "assert",
            "name": "a type the API does not serve",
            "explain": "x",
            "object": {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w"},
            "match": {"spec": {}},
        }
    )
    path = course / "lessons" / "01-authoring.yaml"
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    done = selftest(run_kubelab, lab_ns, str(course), "--report", "json")
    assert done.returncode == 2, done.stdout + done.stderr  # could not decide: an error
    check = checks_of(json.loads(done.stdout))[
        "a type the API does not serve [fails before the solution]"
    ]
    assert check["status"] == "error"
    text = path.read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if "a type the API does not serve" in t) - 1
    assert check["message"].startswith(f"{path}:{line}:"), check["message"]
