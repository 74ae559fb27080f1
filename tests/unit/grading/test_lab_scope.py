"""A lesson acts in its lab namespace only: the checks on its manifests and kubectl commands."""

from __future__ import annotations

from typing import Any

import pytest

from kubelab.grading.actions import (
    ActionFailed,
    apply_objects,
    command_scope_problem,
    object_scope_problem,
)
from kubelab.grading.submission import apply_submission

LAB = "lab"


@pytest.mark.parametrize(
    "args",
    [
        ["create", "configmap", "x", "-n", "other"],
        ["create", "configmap", "x", "-nother"],
        ["create", "configmap", "x", "--namespace", "other"],
        ["--namespace=other", "delete", "configmap", "victim"],
        ["delete", "configmap", "--all", "--all-namespaces"],
        ["delete", "configmap", "--all", "-A"],
        ["delete", "namespace", "other"],
        ["delete", "ns/other"],
        ["label", "nodes", "--all", "x=y"],
        ["drain", "kubelab-worker"],
        ["--context=prod", "delete", "svc", "web"],
        ["--kubeconfig", "/tmp/other", "get", "svc"],
        ["get", "svc", "--as=system:admin"],
        ["-s", "https://10.0.0.1", "get", "svc"],
    ],
)
def test_commands_that_leave_the_lab_are_refused(args: list[str]) -> None:
    assert command_scope_problem(args, LAB) is not None, args


@pytest.mark.parametrize(
    "args",
    [
        ["scale", "deployment/my-nginx", "--replicas=3"],
        ["patch", "service", "my-nginx", "-p", '{"spec":{"type":"LoadBalancer"}}'],
        ["expose", "deployment", "my-nginx", "--port=80", "--cluster-ip=10.96.0.20"],
        ["create", "configmap", "x", "-n", LAB],
        ["create", "configmap", "x", f"--namespace={LAB}"],
        ["get", "nodes"],
        ["get", "pods", "--all-namespaces=false"],
        ["exec", "deploy/web", "--", "nslookup", "-n", "other", "--context", "x"],
    ],
)
def test_commands_inside_the_lab_pass(args: list[str]) -> None:
    assert command_scope_problem(args, LAB) is None, args


def test_objects_naming_another_namespace_or_cluster_scoped_are_refused(fake: Any) -> None:
    other = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "x"}}
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "evil"}}
    own = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": LAB}}
    assert "names namespace x" in (object_scope_problem(fake, other, LAB) or "")
    assert "cluster-scoped" in (object_scope_problem(fake, node, LAB) or "")
    assert object_scope_problem(fake, own, LAB) is None
    with pytest.raises(ActionFailed, match="names namespace x"):
        apply_objects(fake, [own, other], LAB, "m.yaml")
    assert fake.get("v1", "ConfigMap", "a", LAB) is None, "nothing is applied when one is refused"


def test_a_submission_with_a_cluster_scoped_object_fails(fake: Any, tmp_path: Any) -> None:
    (tmp_path / "node.yaml").write_text("apiVersion: v1\nkind: Node\nmetadata: {name: evil}\n")
    step = apply_submission(fake, tmp_path, LAB, {"namespace": LAB})
    assert [c.status for c in step.checks] == ["failed"]
    assert "cluster-scoped" in step.checks[0].message
    assert fake.get("v1", "Node", "evil") is None


@pytest.mark.parametrize(
    ("obj", "why"),
    [
        ({}, "no apiVersion"),
        ([], "not a Kubernetes object"),
        ({"apiVersion": "v1", "metadata": {"name": "a"}}, "no kind"),
        ({"apiVersion": 1, "kind": "ConfigMap", "metadata": {"name": "a"}}, "no apiVersion"),
        ({"apiVersion": "v1", "kind": "ConfigMap"}, "no metadata"),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": ["a"]}, "no metadata"),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 5}}, "no metadata.name"),
        ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "no metadata.name"),
        (
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "annotations": []}},
            "annotations is not a mapping",
        ),
    ],
)
def test_a_malformed_lesson_object_is_refused_before_any_is_sent(
    fake: Any, obj: Any, why: str
) -> None:
    own = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "own"}}
    with pytest.raises(ActionFailed, match=f"^m.yaml: .*{why}"):
        apply_objects(fake, [own, obj], LAB, "m.yaml")
    assert fake.get("v1", "ConfigMap", "own", LAB) is None, "nothing is applied when one is refused"
