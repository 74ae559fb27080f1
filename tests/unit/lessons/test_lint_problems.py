"""Each class of bad input gives one `path:line:col: message` and `kubelab lint` exits 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import CourseDir, Ran


def lint_one(course: CourseDir, kubelab: Callable[..., Ran], text: str) -> tuple[str, Ran]:
    path = course.lesson("01-demo.yaml", text)
    ran = kubelab("lint", str(path))
    return str(path), ran


def test_a_valid_lesson_is_clean(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    _, ran = lint_one(course, kubelab, course.valid)
    assert ran.exit_code == 0, ran.stdout
    assert ran.stdout == ""
    assert "no problems" in ran.stderr


def test_unknown_key(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("    hints:\n", "    hint: oops\n    hints:\n")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (f"{path}:12:5: steps[0]: unknown key 'hint' (did you mean 'hints'?)\n")
    assert ran.exit_code == 1


def test_wrong_type(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("    title: Create the Service", "    title: [a, list]")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (f"{path}:10:12: steps[0].title: expected text, found a list\n")
    assert ran.exit_code == 1


def test_wrong_type_inside_a_check(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("        name: the Service exists", "        name: {a: 1}")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:18:15: steps[0].checks[0].name: expected text, found a mapping\n"
    )
    assert ran.exit_code == 1


def test_unknown_check_kind(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("kind: assert", "kind: asert")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:17:15: steps[0].checks[0].kind: unknown check kind 'asert' (did you mean "
        "'assert'? the kinds are assert, absent, endpoints, exec, dns, http, env)\n"
    )
    assert ran.exit_code == 1


def test_missing_required_key(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("summary: Creates a Service.\n", "")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == f"{path}:1:1: lesson: missing required key 'summary'\n"
    assert ran.exit_code == 1


def test_duplicate_step_ids(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    step = course.valid[course.valid.index("  - id: create") :]
    path, ran = lint_one(course, kubelab, course.valid + step)
    assert ran.stdout == f"{path}:22:9: steps[1].id: duplicate step id 'create' (also steps[0])\n"
    assert ran.exit_code == 1


def test_missing_manifest_file(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("../manifests/svc.yaml", "../manifests/nope.yaml")
    path, ran = lint_one(course, kubelab, text)
    looked = (course.root / "manifests" / "nope.yaml").resolve()
    assert ran.stdout == (
        f"{path}:15:19: steps[0].solution.manifests[0]: manifest file not found: "
        f"'../manifests/nope.yaml' (looked for {looked})\n"
    )
    assert ran.exit_code == 1


@pytest.mark.parametrize("ref", ["../../outside.yaml", "../manifests/../../outside.yaml"])
def test_manifest_path_escaping_the_root(
    course: CourseDir, kubelab: Callable[..., Ran], ref: str
) -> None:
    (course.root.parent / "outside.yaml").write_text("apiVersion: v1\n", encoding="utf-8")
    text = course.valid.replace("../manifests/svc.yaml", ref)
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:15:19: steps[0].solution.manifests[0]: manifest path {ref!r} escapes the "
        f"course root {course.root}\n"
    )
    assert ran.exit_code == 1


def test_absolute_manifest_path(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    absolute = str(course.root / "manifests" / "svc.yaml")
    text = course.valid.replace("../manifests/svc.yaml", absolute)
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:15:19: steps[0].solution.manifests[0]: manifest path must be relative to the "
        f"lesson file: {absolute!r}\n"
    )
    assert ran.exit_code == 1


def test_duplicate_yaml_keys(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("title: A demo lesson\n", "title: A demo lesson\ntitle: Again\n")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == f"{path}:4:1: duplicate key 'title' (first given on line 3)\n"
    assert ran.exit_code == 1


def test_invalid_yaml(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("    body: Apply `svc.yaml`.", "    body: [unclosed")
    path, ran = lint_one(course, kubelab, text)
    # at the '[' that is never closed, not where the parser gave up
    assert ran.stdout == (
        f"{path}:11:11: invalid YAML: the '[' here is never closed (expected ',' or ']', "
        "but got ':' at line 12, column 10)\n"
    )
    assert ran.exit_code == 1


def test_not_a_mapping(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    path, ran = lint_one(course, kubelab, "- just\n- a list\n")
    assert ran.stdout == f"{path}:1:1: a lesson is a YAML mapping (found list)\n"
    assert ran.exit_code == 1


def test_unknown_placeholder(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("Apply `svc.yaml`.", "Use port ${port}.")
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:11:11: steps[0].body: unknown placeholder ${{port}} (declare it under "
        "'bindings'; known: namespace, node_port)\n"
    )
    assert ran.exit_code == 1


def test_empty_solution(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace(
        "      manifests: [../manifests/svc.yaml]\n", "      commands: []\n"
    )
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:6:11: bindings[0].name: binding 'node_port' is never used as ${{node_port}}\n"
        f"{path}:15:7: steps[0].solution: give 'manifests' or 'commands' (the self-test and "
        "'apply for me' use them)\n"
    )
    assert ran.exit_code == 1


def test_every_problem_is_reported(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace("    hints:\n", "    hint: x\n    hints:\n").replace(
        "../manifests/svc.yaml", "../manifests/nope.yaml"
    )
    path, ran = lint_one(course, kubelab, text)
    lines = ran.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert "2 problems in 1 file(s)" in ran.stderr


def test_usage_errors_exit_2(
    course: CourseDir, kubelab: Callable[..., Ran], tmp_path: object
) -> None:
    missing = kubelab("lint", str(course.root / "no-such-file.yaml"))
    assert missing.exit_code == 2
    not_a_course = kubelab("lint", "--lessons", str(course.root / "manifests"))
    assert not_a_course.exit_code == 2
    assert "not a course folder" in not_a_course.stderr


def test_lint_a_course_folder(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    course.lesson("01-demo.yaml", course.valid)
    course.lesson("02-again.yaml", course.valid.replace("id: demo", "id: again"))
    assert kubelab("lint", str(course.root)).exit_code == 0
    assert kubelab("lint", "--lessons", str(course.root)).exit_code == 0
    assert kubelab("lint", "--lessons", str(course.root / "lessons")).exit_code == 0


def test_unknown_kind_without_api_version(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    text = course.valid.replace(
        "object: {kind: Service, name: my-nginx}", "object: {kind: Sevice, name: my-nginx}"
    )
    path, ran = lint_one(course, kubelab, text)
    assert ran.stdout == (
        f"{path}:20:24: steps[0].checks[0].object.kind: unknown kind 'Sevice': did you mean "
        "'Service'? give 'apiVersion' for kinds kubelab does not know\n"
    )
    assert ran.exit_code == 1
    with_version = text.replace("{kind: Sevice,", "{apiVersion: example.com/v1, kind: Sevice,")
    assert lint_one(course, kubelab, with_version)[1].exit_code == 0
