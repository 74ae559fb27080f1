"""Label and field selector parsing and matching."""

from __future__ import annotations

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.selectors import (
    parse_field_selector,
    parse_label_selector,
    selector_from_match,
    selector_string,
)


@pytest.mark.parametrize(
    ("text", "labels", "matches"),
    [
        ("run=my-nginx", {"run": "my-nginx"}, True),
        ("run==my-nginx", {"run": "other"}, False),
        ("run!=x", {}, True),
        ("tier in (a, b),app", {"tier": "b", "app": ""}, True),
        ("tier notin (a,b)", {"tier": "a"}, False),
        ("!app", {"x": "y"}, True),
        ("!app", {"app": "y"}, False),
        ("n>3", {"n": "4"}, True),
        ("n<3", {"n": "4"}, False),
        ("", {"a": "b"}, True),
        ("example.com/x=1,b=2", {"example.com/x": "1", "b": "2"}, True),
    ],
)
def test_label_selector(text: str, labels: dict[str, str], matches: bool) -> None:
    assert parse_label_selector(text).matches(labels) is matches


@pytest.mark.parametrize("text", ["a=b=c", "in (x", "a in x", "a=(", "-bad=1", "a b"])
def test_bad_label_selectors_are_400(text: str) -> None:
    with pytest.raises(ApiError) as err:
        parse_label_selector(text)
    assert err.value.code == 400


def test_field_selector() -> None:
    sel = parse_field_selector("metadata.name=x,spec.nodeName!=n1", ("spec.nodeName",))
    assert sel.matches({"metadata": {"name": "x"}, "spec": {"nodeName": "n2"}})
    assert not sel.matches({"metadata": {"name": "x"}, "spec": {"nodeName": "n1"}})
    assert sel.value_of("metadata.name") == "x"
    with pytest.raises(ApiError) as err:
        parse_field_selector("spec.foo=1", ())
    assert err.value.code == 400 and "spec.foo" in err.value.message


def test_label_selector_objects() -> None:
    sel = {
        "matchLabels": {"app": "x"},
        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
    }
    assert selector_from_match(sel).matches({"app": "x", "tier": "a"})
    assert not selector_from_match(sel).matches({"app": "x"})
    assert selector_string(sel) == "app=x,tier in (a,b)"


def test_field_selector_alias() -> None:
    sel = parse_field_selector("source=kubelet", ("source=source.component",))
    assert sel.matches({"metadata": {}, "source": {"component": "kubelet"}})
    assert not sel.matches({"metadata": {}, "source": {"component": "scheduler"}})
