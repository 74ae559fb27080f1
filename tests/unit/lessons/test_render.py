"""`${name}` placeholders."""

from __future__ import annotations

import pytest

from kubelab.lessons.render import MissingBinding, substitute, substitute_data


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
