"""The check vocabulary: the lesson format's spec table, the grader's table and the one
kind -> apiVersion table."""

from __future__ import annotations

import pytest

from kubelab.grading.checks import REGISTRY
from kubelab.lessons.api_versions import UnknownKind, api_version_for
from kubelab.lessons.checks import SPECS


def test_every_spec_kind_has_an_evaluator_and_no_other() -> None:
    assert set(SPECS) == set(REGISTRY)
    for name, kind in REGISTRY.items():
        assert kind.spec is SPECS[name], name
        assert kind.name == name


def test_api_versions_of_known_kinds_and_a_located_refusal_of_unknown_ones() -> None:
    assert api_version_for("Deployment") == "apps/v1"
    assert api_version_for("EndpointSlice") == "discovery.k8s.io/v1"
    assert api_version_for("Service") == "v1"
    assert api_version_for("Ingress") == "networking.k8s.io/v1"
    assert api_version_for("Widget", "example.com/v1") == "example.com/v1"
    with pytest.raises(UnknownKind, match="give 'apiVersion' for kind 'Widget'"):
        api_version_for("Widget")
