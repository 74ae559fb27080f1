from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kubelab.grading.matcher import ExpressionError, diff, match

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx"}},
    "spec": {
        "selector": {"run": "my-nginx"},
        "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
        "type": "ClusterIP",
        "sessionAffinity": "None",
    },
}


def paths(expected: object, actual: object = SERVICE) -> list[str]:
    return [m.path for m in match(expected, actual)]


def test_maps_match_as_subsets() -> None:
    assert match({"spec": {"selector": {"run": "my-nginx"}}}, SERVICE) == []
    assert paths({"spec": {"selector": {"run": "nginx"}}}) == ["spec.selector.run"]


def test_missing_field_is_reported() -> None:
    (problem,) = match({"spec": {"externalName": "x"}}, SERVICE)
    assert problem.path == "spec.externalName"
    assert str(problem) == "spec.externalName is missing; it should be x"


def test_null_matches_a_missing_field_only() -> None:
    assert match({"spec": {"externalName": None}}, SERVICE) == []
    assert paths({"spec": {"type": None}}) == ["spec.type"]


def test_arrays_match_exactly_and_in_order() -> None:
    actual = {"a": [{"x": 1, "y": 2}, {"x": 3}]}
    assert match({"a": [{"x": 1}, {"x": 3}]}, actual) == []  # subset per element
    assert paths({"a": [{"x": 3}, {"x": 1}]}, actual) == ["a[0].x", "a[1].x"]
    (problem,) = match({"a": [{"x": 1}]}, actual)
    assert str(problem) == "a should have 1 entry; it has 2"


def test_expression_keys_run_jmespath_on_the_enclosing_object() -> None:
    ok = {"spec": {"(ports[?port == `80`] | length(@))": 1}}
    assert match(ok, SERVICE) == []
    bad = {"spec": {"(ports[?port == `8080`] | length(@))": 1}}
    assert paths(bad) == ["spec.(ports[?port == `8080`] | length(@))"]
    assert match({"(length(metadata.labels) > `0`)": True}, SERVICE) == []


def test_expression_result_is_matched_like_any_value() -> None:
    expected = {"spec": {"(ports[0])": {"port": 80}}}
    assert match(expected, SERVICE) == []
    assert paths({"spec": {"(ports[0])": {"port": 81}}}) == ["spec.(ports[0]).port"]


def test_invalid_expression_is_a_lesson_error() -> None:
    with pytest.raises(ExpressionError, match="invalid JMESPath"):
        match({"(ports[?port == ])": 1}, SERVICE["spec"])


def test_scalars_numbers_and_booleans() -> None:
    assert match({"n": 1}, {"n": 1.0}) == []
    assert paths({"n": True}, {"n": 1}) == ["n"]
    assert paths({"n": "80"}, {"n": 80}) == ["n"]
    assert paths({"n": {"a": 1}}, {"n": 3}) == ["n"]
    assert paths({"n": [1]}, {"n": "x"}) == ["n"]


def test_diff_shows_expected_versus_projected_actual() -> None:
    expected = {"spec": {"selector": {"run": "nginx"}, "ports": [{"port": 80}]}}
    text = diff(expected, SERVICE)
    assert text.startswith("--- expected\n+++ actual")
    assert "-    run: nginx" in text
    assert "+    run: my-nginx" in text
    # only what was asked about appears: not sessionAffinity
    assert "sessionAffinity" not in text
    assert diff({"spec": {"type": "ClusterIP"}}, SERVICE) == ""


# -- properties -------------------------------------------------------------------------------


KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-./", min_size=1, max_size=8)
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_every_value_matches_itself(value: object) -> None:
    assert match(value, value) == []
    assert diff(value, value) == ""


@given(st.dictionaries(KEYS, VALUES, min_size=1, max_size=5), st.data())
def test_any_sub_map_matches(actual: dict[str, object], data: st.DataObject) -> None:
    keys = data.draw(st.lists(st.sampled_from(sorted(actual)), unique=True))
    assert match({k: actual[k] for k in keys}, actual) == []


@given(st.dictionaries(KEYS, SCALARS, min_size=1, max_size=5), st.data())
def test_a_changed_scalar_is_reported_at_its_path(
    actual: dict[str, object], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(actual)))
    expected = {key: ["not", "the", "same"]}
    (problem,) = match(expected, actual)
    assert problem.path == key


def test_diff_shows_a_selector_with_other_keys_as_it_is() -> None:
    expected = {"spec": {"selector": {"run": "my-nginx"}}}
    actual = {"spec": {"selector": {"app": "my-nginx"}, "type": "ClusterIP"}}
    text = diff(expected, actual)
    assert "+    app: my-nginx" in text and "-    run: my-nginx" in text
    assert "selector: {}" not in text and "type" not in text


@pytest.mark.parametrize(
    ("expected", "said"),
    [
        (
            {"spec": {"(ports[?port == `80`].targetPort | [0])": 8080}},
            "the targetPort of port 80 in spec.ports should be 8080; it is 80",
        ),
        (
            {"spec": {"(ports[?name == 'http'].targetPort | [0])": "http"}},
            "the targetPort of the port named http in spec.ports should be http; it is not set",
        ),
        (
            {"spec": {"(ports[?port == `8080`] | length(@))": 1}},
            "the number of port 8080 entries in spec.ports should be 1; it is 0",
        ),
        (
            {"metadata": {'(annotations."kubectl.kubernetes.io/restartedAt" != null)': True}},
            'metadata.annotations."kubectl.kubernetes.io/restartedAt" should be set; it is not',
        ),
        (
            {"spec": {"(ports[0].port >= `30000` && ports[0].port <= `32767`)": True}},
            "spec.ports[0].port should be between 30000 and 32767; it is 80",
        ),
        (
            {"spec": {"(ports[0].nodePort == null)": False}},
            "spec.ports[0].nodePort should be set; it is not",
        ),
        (
            {"spec": {"(length(keys(selector)) > `1`)": True}},
            "spec.selector: not as this step asks (see what to look at)",
        ),
        ({"spec": {"(ports[0])": {"port": 81}}}, "spec.ports[0].port should be 81; it is 80"),
        (
            {"spec": {"selector": {"run": "nginx"}}},
            "spec.selector.run should be nginx; it is my-nginx",
        ),
        ({"spec": {"type": None}}, "spec.type should not be set; it is ClusterIP"),
    ],
)
def test_mismatches_are_said_in_the_learners_words(expected: object, said: str) -> None:
    (problem,) = match(expected, SERVICE)
    assert str(problem) == said
    assert "?" not in said and "`" not in said and "|" not in said  # never JMESPath


def test_the_diff_says_expression_keys_in_words() -> None:
    text = diff({"spec": {"(ports[?port == `80`].targetPort | [0])": 8080}}, SERVICE)
    assert "-  the targetPort of port 80 in ports: 8080" in text
    assert "+  the targetPort of port 80 in ports: 80" in text
    assert "[?" not in text
