"""Thousands of malformed lesson documents: nothing escapes but located problems."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubelab.lessons.loader import parse_lesson
from kubelab.lessons.problems import LessonLoadError

LESSON = """\
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
    body: Apply it.
    hints: [Use kubectl apply.]
    solution:
      manifests: [../manifests/svc.yaml]
      commands: [[kubectl, get, svc]]
    checks:
      - kind: assert
        name: exists
        explain: Look.
        object: {kind: Service, name: my-nginx}
        match: {spec: {type: NodePort}}
      - kind: dns
        name: resolves
        explain: Look.
        query: my-nginx
        expect: {addresses: {from: {kind: Service, name: my-nginx}, path: spec.clusterIP}}
      - kind: exec
        name: runs
        explain: Look.
        pod: {selector: {run: my-nginx}}
        command: [printenv]
"""

SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@pytest.fixture(scope="module")
def course_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "lessons").mkdir()
    (root / "manifests").mkdir()
    (root / "manifests" / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: my-nginx}\n"
        "spec: {ports: [{port: 80, nodePort: ${node_port}}]}\n",
        encoding="utf-8",
    )
    return root


def assert_only_located_problems(text: str, root: Path) -> None:
    path = root / "lessons" / "01-fuzz.yaml"
    try:
        parse_lesson(text, path, root)
    except LessonLoadError as exc:
        assert exc.problems, "a load error must carry at least one problem"
        for problem in exc.problems:
            assert problem.path == path or problem.path.is_relative_to(root.resolve())
            assert problem.line >= 1 and problem.col >= 1
            assert str(problem).startswith(f"{problem.path}:{problem.line}:{problem.col}: ")
            assert problem.message.strip()


def test_the_seed_document_is_valid(course_root: Path) -> None:
    loaded = parse_lesson(LESSON, course_root / "lessons" / "01-fuzz.yaml", course_root)
    assert [s.id for s in loaded.lesson.steps] == ["create"]


YAML_BITS = st.sampled_from(
    [*list(":-[]{}#&*!|>'\"\n\t ,?%@`\\"), "  ", "- ", ": ", "\n  ", "\n- ", "${x}", "&a ", "*a"]
)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    text = LESSON
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace-line", "dup-line"]))
        if action == "insert":
            bit = draw(st.one_of(YAML_BITS, st.text(max_size=5)))
            text = text[:position] + bit + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 12)) :]
        else:
            lines = text.splitlines(keepends=True)
            index = draw(st.integers(0, max(0, len(lines) - 1)))
            if action == "dup-line":
                lines.insert(index, lines[index])
            else:
                lines[index] = draw(st.text(max_size=30)) + "\n"
            text = "".join(lines)
    return text


@SETTINGS
@given(text=mutated_text())
def test_mutated_text_never_escapes(course_root: Path, text: str) -> None:
    assert_only_located_problems(text, course_root)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["assert", "dns", "exec", "nodePort", "../manifests/svc.yaml", "${namespace}"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=8,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


@st.composite
def mangled_structure(draw: st.DrawFn) -> str:
    data = copy.deepcopy(yaml.safe_load(LESSON))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        target = draw(st.sampled_from(paths))
        parent = data
        for key in target[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add-key"]))
        if action == "replace":
            parent[target[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[target[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=8))] = draw(VALUES)
    return yaml.safe_dump(data, sort_keys=draw(st.booleans()), allow_unicode=True)


@SETTINGS
@given(text=mangled_structure())
def test_mangled_structure_never_escapes(course_root: Path, text: str) -> None:
    assert_only_located_problems(text, course_root)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "a: !!python/object:os.system x\n",
        "&a [*a]\n",
        "? [a, b]\n: c\n",
        "[" * 5000,
        "a: " + "[" * 5000 + "]" * 5000,
        "<<: {id: x}\n",
        "id: 2024-01-01\n",
        "---\na: 1\n---\nb: 2\n",
        "\ufeffformat_version: 1\n",
    ],
)
def test_hostile_documents(course_root: Path, text: str) -> None:
    assert_only_located_problems(text, course_root)
