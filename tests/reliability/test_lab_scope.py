"""A lesson acts in its lab namespace only: its manifests cannot write another namespace, its
kubectl commands cannot name another namespace (or all of them) nor delete a namespace; a learner's
submission cannot create cluster-scoped objects; an object name stays one URL segment, so it
cannot reach another namespace's objects."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_security import lesson_with

from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import ActionFailed, apply_actions
from kubelab.grading.submission import apply_submission
from kubelab.lessons.problems import LessonLoadError


@pytest.fixture
def victim(sim: Any) -> Iterator[str]:
    """A namespace the lesson does not own, holding a ConfigMap `victim`."""
    name = f"victim-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as client:
        client.ensure_namespace(name)
        client.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "victim"}}, name
        )
        yield name
        client.delete_namespace(name)


@pytest.fixture
def lab_client(sim: Any) -> Iterator[KubeClient]:
    name = f"lab-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as client:
        client.ensure_namespace(name)
        yield client
        client.delete_namespace(name)


def test_a_lesson_manifest_cannot_write_another_namespace(
    tmp_path: Path, lab_client: KubeClient, victim: str
) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\n"
        f"metadata: {{name: victim, namespace: {victim}}}\ndata: {{a: '1'}}\n"
    )
    loaded = lesson_with(tmp_path, manifest, [])
    bindings = {"namespace": lab_client.namespace}
    # refusing is fine; applying into the lab namespace is fine too
    with contextlib.suppress(ActionFailed, LessonLoadError):
        apply_actions(lab_client, loaded, loaded.lesson.steps[0].solution, bindings)
    untouched = lab_client.get("v1", "ConfigMap", "victim", victim)
    assert untouched is not None and "data" not in untouched, untouched


@pytest.mark.parametrize(
    "argv",
    [
        ["kubectl", "create", "configmap", "pwn", "-n", "{victim}"],
        ["kubectl", "--namespace={victim}", "delete", "configmap", "victim"],
        ["kubectl", "delete", "configmap", "--all", "--all-namespaces"],
        ["kubectl", "delete", "namespace", "{victim}"],
    ],
)
def test_a_lesson_command_cannot_act_in_another_namespace(
    tmp_path: Path, lab_client: KubeClient, victim: str, argv: list[str]
) -> None:
    bindings = {"namespace": lab_client.namespace}
    with contextlib.suppress(ActionFailed, LessonLoadError):  # refused at load or at run
        loaded = lesson_with(tmp_path, None, [[a.replace("{victim}", victim) for a in argv]])
        apply_actions(lab_client, loaded, loaded.lesson.steps[0].solution, bindings)
    assert lab_client.get("v1", "ConfigMap", "victim", victim) is not None
    assert lab_client.get("v1", "ConfigMap", "pwn", victim) is None
    namespace = lab_client.get("v1", "Namespace", victim)
    assert namespace is not None and not namespace["metadata"].get("deletionTimestamp")


def test_a_submission_cannot_create_cluster_scoped_objects(
    tmp_path: Path, lab_client: KubeClient
) -> None:
    name = f"evil-{secrets.token_hex(3)}"
    (tmp_path / "node.yaml").write_text(f"apiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\n")
    step = apply_submission(
        lab_client, tmp_path, lab_client.namespace, {"namespace": lab_client.namespace}
    )
    assert [c.status for c in step.checks] == ["failed"]
    assert lab_client.get("v1", "Node", name) is None


def test_an_object_name_cannot_leave_its_namespace_in_the_url(
    lab_client: KubeClient, victim: str
) -> None:
    sneaky = f"../../{victim}/configmaps/victim"
    assert lab_client.get("v1", "ConfigMap", sneaky) is None
    lab_client.delete("v1", "ConfigMap", sneaky)
    assert lab_client.get("v1", "ConfigMap", "victim", victim) is not None
