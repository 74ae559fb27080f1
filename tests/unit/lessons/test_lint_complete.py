"""`kubelab lint` finds every problem of every file in one pass, each at file:line:col, in
kubelab's own words: manifests against the served types' schemas, JMESPath, live-value paths,
hard-coded nodePorts, objects outside the lab namespace, commands leaving it, unused bindings,
placeholders that are not placeholders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kubelab.lessons.loader import LessonLoadError, load_course, load_lesson
from kubelab.lessons.manifest_lint import ManifestCache

if TYPE_CHECKING:
    from conftest import CourseDir, Ran


def problems_of(path: Path) -> list[str]:
    try:
        load_lesson(path, manifest_cache=ManifestCache(strict=True))
    except LessonLoadError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def test_a_bad_manifest_reports_every_problem_at_its_place(course: CourseDir) -> None:
    manifest = course.manifest(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: my-nginx\n"
        "  namespace: kube-system\nspec:\n  type: NodePort\n  selecter: {run: my-nginx}\n"
        "  selector: {run: my-nginx}\n  selector: {run: x}\n  ports:\n"
        "    - port: '80'\n      nodePort: 30080\n      name: ${node_port}\n"
        "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n",
    )
    found = problems_of(course.lesson("01-demo.yaml", course.valid))
    assert found == [
        f"{manifest}:5:14: metadata.namespace: 'kube-system' is outside the lab namespace: "
        "leave it out (objects go to the lab namespace) or write ${namespace}",
        f"{manifest}:8:3: spec.selecter: unknown field 'selecter' (did you mean 'selector'?)",
        f"{manifest}:10:3: duplicate key 'selector' (first given on line 9)",
        f"{manifest}:12:13: spec.ports[0].port: expected a whole number, found text",
        f"{manifest}:13:17: spec.ports[0].nodePort: 30080 is hard-coded, and collides with any "
        "other Service on the cluster using it: leave it out for the cluster to allocate, or "
        "declare a binding (allocate: nodePort) and write ${its_name}",
        f"{manifest}:17:7: Namespace is cluster-scoped: a lesson creates namespaced objects in "
        "its lab namespace only (kubelab creates the namespace)",
    ]


def test_lesson_rules_in_one_pass(course: CourseDir) -> None:
    text = (
        course.valid.replace(
            "    body: Apply `svc.yaml`.", "    body: Open ${AGENT_URL} or $${HOME}"
        )
        .replace(
            "      manifests: [../manifests/svc.yaml]\n",
            "      manifests: [../manifests/svc.yaml]\n"
            "      commands: [[kubectl, get, pods, -A]]\n",
        )
        .replace(
            "        match: {spec: {type: NodePort}}\n",
            "        match: {spec: {type: NodePort}, '(ports[?port == ])': 1}\n"
            "      - kind: env\n        name: e\n        explain: x\n        pod: {probe: true}\n"
            "        variable: X\n"
            "        equals: {from: {kind: Service, name: my-nginx}, path: spec.clusterIp}\n",
        )
        .replace("    hints:\n", "    hint: x\n    hints:\n")
    )
    path = course.lesson("01-demo.yaml", text)
    found = problems_of(path)
    expected = [
        "11:11: steps[0].body: ${AGENT_URL} is not a placeholder: placeholder names are "
        "lowercase letters, digits and '_'; write $${AGENT_URL} for a literal ${AGENT_URL}",
        "12:5: steps[0]: unknown key 'hint' (did you mean 'hints'?)",
        "17:18: steps[0].solution.commands[0]: a lesson acts in its lab namespace only: "
        "-A acts in every namespace",
        "invalid JMESPath expression 'ports[?port == ]' at character",
        "29:63: steps[0].checks[1].equals.path: 'spec.clusterIp' reads 'clusterIp', which a "
        "Service does not have",
    ]
    assert len(found) == len(expected)
    for want in expected:
        assert any(want in line for line in found), want


def test_a_live_path_through_a_list_of_objects_is_checked(course: CourseDir) -> None:
    good = "[?status.phase=='Running'].status.podIP"
    text = course.valid.replace(
        "        match: {spec: {type: NodePort}}\n",
        "        match: {spec: {type: NodePort}}\n"
        "      - kind: dns\n        name: d\n        explain: x\n        query: my-nginx\n"
        "        expect:\n          addresses:\n"
        "            from: {kind: Pod, selector: {run: my-nginx}}\n"
        f'            path: "{good}"\n',
    )
    assert problems_of(course.lesson("01-demo.yaml", text)) == []
    bad = text.replace("status.podIP", "status.podIp")
    found = problems_of(course.lesson("01-demo.yaml", bad))
    assert len(found) == 1 and "reads 'podIp', which a list of Pods does not have" in found[0]


def test_an_unused_binding_is_reported(course: CourseDir) -> None:
    course.manifest("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: my-nginx}\n")
    path = course.lesson("01-demo.yaml", course.valid)
    assert problems_of(path) == [
        f"{path}:6:11: bindings[0].name: binding 'node_port' is never used as ${{node_port}}"
    ]


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ("id: demo", "6:5: id: 'Demo!' is not allowed here: use lowercase letters, digits"),
        ("    title: Create the Service", "10:12: steps[0].title: must not be empty"),
    ],
)
def test_messages_are_in_kubelabs_words(course: CourseDir, replace: str, expected: str) -> None:
    new = "id: 'Demo!'" if replace == "id: demo" else "    title: ''"
    path = course.lesson("01-demo.yaml", course.valid.replace(replace, new, 1))
    found = problems_of(path)
    assert len(found) == 1
    assert expected.split(":", 2)[2].strip() in found[0]
    for pydantic_words in ("Input should", "String should", "after validation"):
        assert pydantic_words not in found[0]


def test_checks_with_no_items_say_so(course: CourseDir) -> None:
    text = course.valid[: course.valid.index("    checks:")] + "    checks: []\n"
    found = problems_of(course.lesson("01-demo.yaml", text))
    assert found == [
        f"{course.root / 'lessons' / '01-demo.yaml'}:16:13: steps[0].checks: give at least 1 item"
    ]


def test_a_placeholder_inside_a_flow_mapping_is_read(course: CourseDir) -> None:
    course.manifest(
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: my-nginx}\n"
        "spec: {type: NodePort, ports: [{port: 80, nodePort: ${node_port}}]}\n",
    )
    assert problems_of(course.lesson("01-demo.yaml", course.valid)) == []


def test_inside_a_course_folder_lint_checks_that_course(
    course: CourseDir, kubelab: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    course.lesson("01-demo.yaml", course.valid.replace("    hints:\n", "    hint: x\n    hints:\n"))
    monkeypatch.chdir(course.root)
    ran = kubelab("lint")
    assert ran.exit_code == 1
    assert f"course 'course' in {course.root}" in ran.stderr
    assert "unknown key 'hint'" in ran.stdout


def test_course_yaml_gives_title_and_order(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    course.lesson("01-demo.yaml", course.valid)
    course.lesson("02-two.yaml", course.valid.replace("id: demo", "id: two"))
    (course.root / "course.yaml").write_text(
        "title: My course\nversion: '1.0'\norder: [two, demo]\n", encoding="utf-8"
    )
    loaded = load_course(course.root)
    assert loaded.problems == []
    assert loaded.title == "My course"
    assert [item.lesson.id for item in loaded.lessons] == ["two", "demo"]
    ran = kubelab("lessons", "--lessons", str(course.root))
    assert ran.stdout.startswith("My course (version 1.0)\n")
    (course.root / "course.yaml").write_text(
        "title: My course\norder: [tow]\ndescripion: x\n", encoding="utf-8"
    )
    found = [str(p) for p in load_course(course.root).problems]
    course_file = course.root / "course.yaml"
    assert found == [
        f"{course_file}:3:1: course.yaml: unknown key 'descripion' (did you mean 'description'?)"
    ]
    (course.root / "course.yaml").write_text("title: My course\norder: [tow]\n", encoding="utf-8")
    found = [str(p) for p in load_course(course.root).problems]
    assert sorted(found) == sorted(
        [
            f"{course_file}:2:9: order[0]: 'tow' is not a lesson of this course (did you mean "
            "'two'?)",
            f"{course_file}:2:8: order: lesson 'demo' (01-demo.yaml) is not listed",
            f"{course_file}:2:8: order: lesson 'two' (02-two.yaml) is not listed",
        ]
    )


def test_an_absurdly_nested_expression_is_a_located_problem(course: CourseDir) -> None:
    deep = "(" * 3000 + "a" + ")" * 3000
    text = course.valid.replace(
        "        match: {spec: {type: NodePort}}\n",
        f"        match:\n          ? '({deep})'\n          : 1\n",
    )
    found = problems_of(course.lesson("01-demo.yaml", text))
    assert len(found) == 1 and "nested too deeply" in found[0]


def test_inside_a_course_folder_test_names_that_course(
    tmp_path: Path, kubelab: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.yaml").write_text("title: Empty so far\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    ran = kubelab("test")
    assert ran.exit_code == 2
    assert f"course 'Empty so far' in {tmp_path}" in ran.stderr
    assert f"no lessons in {tmp_path / 'lessons'}" in ran.stderr
