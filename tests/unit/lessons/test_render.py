"""`${name}` placeholders."""

from __future__ import annotations

import pytest

from kubelab.lessons.render import MissingBinding, placeholders, substitute, substitute_data


def test_substitute_replaces_every_placeholder() -> None:
    text = "curl http://my-nginx.${namespace}:${port}/ ${namespace}"
    assert substitute(text, {"namespace": "lab", "port": 80}) == "curl http://my-nginx.lab:80/ lab"


def test_substitute_leaves_other_dollars_alone() -> None:
    assert (
        substitute("$HOME ${ x } $${namespace", {"namespace": "lab"}) == "$HOME ${ x } $${namespace"
    )


def test_missing_binding_is_a_clear_error() -> None:
    with pytest.raises(MissingBinding, match=r"no value for placeholder \$\{port\}"):
        substitute("${port}", {"namespace": "lab"})


def test_substitute_data_keeps_the_binding_type_for_a_whole_placeholder() -> None:
    data = {
        "nodePort": "${node_port}",
        "url": "http://x:${node_port}/",
        "list": ["${ip}", 3, None, {"${ip}": True}],
    }
    out = substitute_data(data, {"node_port": 30080, "ip": "10.96.0.20"})
    assert out == {
        "nodePort": 30080,
        "url": "http://x:30080/",
        "list": ["10.96.0.20", 3, None, {"10.96.0.20": True}],
    }
    assert data["nodePort"] == "${node_port}"  # the input is not changed


def test_placeholders_lists_names_in_order() -> None:
    assert placeholders("${a} ${b_2} ${a} ${Bad}") == ["a", "b_2", "a"]


def test_render_lesson_fills_every_text_a_learner_sees() -> None:
    from kubelab.lessons.loader import load_course
    from kubelab.lessons.render import render_lesson

    nodeport = next(item for item in load_course().lessons if item.lesson.id == "nodeport")
    rendered = render_lesson(nodeport.lesson, {"namespace": "lab", "node_port": 30123})
    step = rendered.steps[0]
    assert "30123" in step.body and "${" not in step.body
    assert all("${" not in hint for hint in step.hints)
    match = step.checks[0].model_dump(by_alias=True)["match"]
    assert match["spec"]["ports"][0]["nodePort"] == 30123
    assert nodeport.lesson.steps[0].body != step.body  # the loaded lesson is unchanged
