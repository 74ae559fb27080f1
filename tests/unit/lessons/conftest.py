"""Helpers for lesson tests: a throw-away course folder and the `kubelab` CLI in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from kubelab.cli import main

VALID_LESSON = """\
format_version: 1
id: demo
title: A demo lesson
summary: Creates a Service.
bindings:
  - name: node_port
    allocate: nodePort
steps:
  - id: create
    title: Create the Service
    body: Apply `svc.yaml`.
    hints:
      - Use kubectl apply.
    solution:
      manifests: [../manifests/svc.yaml]
    checks:
      - kind: assert
        name: the Service exists
        explain: Look at `kubectl get svc my-nginx`.
        object: {kind: Service, name: my-nginx}
        match: {spec: {type: NodePort}}
"""

VALID_MANIFEST = """\
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
spec:
  type: NodePort
  selector: {run: my-nginx}
  ports:
    - port: 80
      nodePort: ${node_port}
"""


@dataclass
class CourseDir:
    root: Path
    valid: str = VALID_LESSON

    def lesson(self, name: str, text: str) -> Path:
        path = self.root / "lessons" / name
        path.write_text(text, encoding="utf-8")
        return path

    def manifest(self, name: str, text: str) -> Path:
        path = self.root / "manifests" / name
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def course(tmp_path: Path) -> CourseDir:
    root = tmp_path / "course"
    (root / "lessons").mkdir(parents=True)
    (root / "manifests").mkdir()
    made = CourseDir(root)
    made.manifest("svc.yaml", VALID_MANIFEST)
    return made


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def kubelab() -> Callable[..., Ran]:
    def run(*args: str) -> Ran:
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run
