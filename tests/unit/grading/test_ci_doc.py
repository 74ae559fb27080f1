"""docs/ci-grading.md: its workflow is valid for GitHub and uses options kubelab really has."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from kubelab.cli import main

DOC = Path(__file__).parents[3] / "docs" / "ci-grading.md"


def workflow_text() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) == 1
    return str(blocks[0])


def test_workflow_matches_githubs_schema(tmp_path: Path) -> None:
    path = tmp_path / "grade.yml"
    path.write_text(workflow_text())
    checker = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_uses_existing_kubelab_options() -> None:
    workflow = yaml.safe_load(workflow_text())
    runs = [s["run"] for s in workflow["jobs"]["grade"]["steps"] if "run" in s]
    kubelab_lines = [r for r in runs if r.startswith("kubelab ")]
    assert any("--submission" in r for r in kubelab_lines)
    runner = CliRunner()
    for line in kubelab_lines:
        command = line.split()[1]
        options = {word for word in line.split() if word.startswith("--")}
        help_text = runner.invoke(main, [command, "--help"]).output
        for option in options:
            assert option in help_text, f"`kubelab {command}` has no {option}"
