"""Manifests referenced by lessons: placeholders, multi-document YAML and lint problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.problems import LessonLoadError

if TYPE_CHECKING:
    from conftest import CourseDir, Ran


def test_read_manifest_docs_substitutes_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: ${namespace}}\n"
        "spec: {ports: [{port: 80, nodePort: ${node_port}}]}\n---\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n",
        encoding="utf-8",
    )
    docs = read_manifest_docs(path, {"namespace": "lab", "node_port": 30123})
    assert [d["kind"] for d in docs] == ["Service", "ConfigMap"]
    assert docs[0]["metadata"]["namespace"] == "lab"
    assert docs[0]["spec"]["ports"][0]["nodePort"] == 30123


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("apiVersion: v1\nkind: [\n", "3:1: invalid YAML: while parsing a flow node expected "),
        ("kind: Service\nmetadata: {name: a}\n", "1:1: missing or empty 'apiVersion'"),
        ("apiVersion: v1\nkind: Service\nmetadata: {}\n", "1:1: missing or empty 'metadata.name'"),
        ("apiVersion: v1\nkind: Service\nkind: Pod\n", "3:1: duplicate key 'kind' (first given "),
        ("apiVersion: v1\nkind: S\nmetadata: {name: ${nope}}\n", "3:18: unknown placeholder"),
        ("- a\n", "1:1: a manifest document is a mapping (found list)"),
        ("", "1:1: the manifest holds no objects"),
    ],
)
def test_manifest_problems_are_located(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LessonLoadError) as caught:
        read_manifest_docs(path, {"namespace": "lab"})
    assert str(caught.value.problems[0]).startswith(f"{path}:{expected}")


def test_lint_reports_problems_in_referenced_manifests(
    course: CourseDir, kubelab: Callable[..., Ran]
) -> None:
    manifest = course.manifest("svc.yaml", "apiVersion: v1\nmetadata:\n  name: my-nginx\n")
    path = course.lesson("01-demo.yaml", course.valid)
    ran = kubelab("lint", str(path))
    assert ran.stdout == f"{manifest.resolve()}:1:1: missing or empty 'kind'\n"
    assert ran.exit_code == 1


def test_manifest_placeholders_must_be_bindings_of_the_lesson(
    course: CourseDir, kubelab: Callable[..., Ran]
) -> None:
    text = course.valid.replace("bindings:\n  - name: node_port\n    allocate: nodePort\n", "")
    path = course.lesson("01-demo.yaml", text)
    ran = kubelab("lint", str(path))
    manifest = (course.root / "manifests" / "svc.yaml").resolve()
    assert ran.stdout == (
        f"{manifest}:10:17: unknown placeholder ${{node_port}} (bindings here: namespace)\n"
    )
    assert ran.exit_code == 1
