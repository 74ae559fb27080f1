"""`kubelab init-assignment LESSON DIR`: the class repository it writes is complete, its workflow
is valid for GitHub and uses options kubelab has, and the learner's "check locally before you
push" command grades the submission folder on the simulator."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kubelab.commands import assignment_files
from tests.command_lines import resolve

REPO = Path(__file__).resolve().parents[3]
SOURCE = "kubelab @ git+https://github.com/example-school/kubelab@v0.1.0"
RIGHT = (REPO / "manifests" / "nginx-svc.yaml").read_text()


def kubelab(
    *args: str, cwd: Path, state: Path, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBELAB_STATE_DIR": str(state), "HOME": str(state), "NO_COLOR": "1"}
    env.pop("KUBELAB_CLUSTER", None)
    env.pop("KUBECONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "kubelab", *args], capture_output=True, text=True, cwd=cwd,
        env=env, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def written(tmp_path: Path, *extra: str) -> Path:
    target = tmp_path / "class"
    done = kubelab(
        "init-assignment", "clusterip-service", str(target), "--kubelab-source", SOURCE, *extra,
        cwd=tmp_path, state=tmp_path / "state",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target


def test_the_layout_and_its_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = written(tmp_path)
    assert {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()} == {
        "README.md", ".gitignore", ".github/workflows/grade.yml", "submission/README.md",
    }  # fmt: skip
    workflow_file = target / ".github" / "workflows" / "grade.yml"
    checker = Path(sys.executable).parent / "check-jsonschema"
    checked = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(workflow_file)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    workflow = yaml.safe_load(workflow_file.read_text())
    job = workflow["jobs"]["grade"]
    assert job["env"]["LESSON"] == "clusterip-service"
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[0] == f"python -m pip install {shlex.quote(SOURCE)}"
    monkeypatch.chdir(target)  # where the workflow runs them
    for line in runs[1:]:
        # click parses the whole command line: every option exists and takes what it is given
        resolve(line.replace('"$LESSON"', "clusterip-service"))
    readme = (target / "README.md").read_text()
    assert "A ClusterIP Service" in readme and "kubelab grade clusterip-service" in readme
    assert "${namespace}" in readme


def test_a_folder_in_use_is_refused(tmp_path: Path) -> None:
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "mine.txt").write_text("keep me")
    done = kubelab(
        "init-assignment", "clusterip-service", "class", "--kubelab-source", SOURCE,
        cwd=tmp_path, state=tmp_path / "state",
    )  # fmt: skip
    assert done.returncode == 2 and "not an empty folder" in done.stderr
    assert (tmp_path / "class" / "mine.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("kubelab @ git+https://x/k\nrun: evil", "not a pip requirement"),
        ("otherpkg==1.0", "not a pip requirement"),
    ],
)
def test_a_source_that_is_not_a_kubelab_requirement_is_refused(
    tmp_path: Path, given: str, says: str
) -> None:
    done = kubelab(
        "init-assignment", "clusterip-service", "class", "--kubelab-source", given,
        cwd=tmp_path, state=tmp_path / "state",
    )  # fmt: skip
    assert done.returncode == 2 and says in done.stderr
    assert not (tmp_path / "class").exists()


def test_the_default_source_is_the_git_commit_kubelab_was_installed_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Dist:
        def __init__(self, text: str | None) -> None:
            self.text = text

        def read_text(self, name: str) -> str | None:
            return self.text

    origin = {
        "url": "https://github.com/example-school/kubelab",
        "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "main"},
    }
    monkeypatch.setattr(
        assignment_files.metadata, "distribution", lambda _: Dist(json.dumps(origin))
    )
    assert assignment_files.installed_requirement() == (
        "kubelab @ git+https://github.com/example-school/kubelab@0123abc"
    )
    monkeypatch.setattr(assignment_files.metadata, "distribution", lambda _: Dist(None))
    assert assignment_files.installed_requirement().startswith("kubelab==")
    local = {"url": "file:///home/me/kubelab", "dir_info": {"editable": True}}
    monkeypatch.setattr(
        assignment_files.metadata, "distribution", lambda _: Dist(json.dumps(local))
    )
    with pytest.raises(assignment_files.SourceUnknown, match="file:///home/me/kubelab"):
        assignment_files.installed_requirement()


def test_check_locally_before_you_push_grades_the_submission(tmp_path: Path) -> None:
    target = written(tmp_path)
    (target / "submission" / "nginx-svc.yaml").write_text(RIGHT)
    readme = (target / "README.md").read_text()
    command = readme.split("## Check locally before you push\n\n```\n", 1)[1].split("\n```")[0]
    words = shlex.split(command)
    assert words[:2] == ["kubelab", "grade"] and "--cluster" in words
    state = tmp_path / "learner"
    try:
        done = kubelab(*words[1:], "--report", "json:report.json", cwd=target, state=state)
        report = json.loads((target / "report.json").read_text())
        assert done.returncode in (0, 1), done.stderr  # graded: not "could not grade"
        assert report["status"] in ("passed", "failed")
        checks = [c for s in report["lessons"][0]["steps"] for c in s["checks"]]
        applied = checks[0]
        assert applied["name"] == "apply nginx-svc.yaml" and applied["status"] == "passed"
    finally:
        kubelab("down", "--cluster", "sim", "--yes", cwd=target, state=state)
