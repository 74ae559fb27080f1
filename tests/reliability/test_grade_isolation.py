"""On a shared cluster (a classroom: one cluster, a namespace per learner), a learner's grade
never sees another learner's objects: the diagnosis of a failed check does not point at another
learner's namespace (their Service, their pods), which would mislead ("apply it with -n ...") and
show one learner's work to another. A Service the learner put in `default` by mistake (an
unmanaged namespace) may still be pointed at."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.runner import grade_lesson
from kubelab.lessons.loader import load_lesson

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "fixtures" / "courses" / "good"
LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


def service(name: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80}]},
    }


@pytest.fixture
def classroom(sim: Any) -> Iterator[tuple[KubeClient, str, str]]:
    """Two learners' lab namespaces; the other learner has done the step already."""
    me, other = (f"learner-{secrets.token_hex(3)}" for _ in range(2))
    with KubeClient(sim.kubeconfig, None, me) as client:
        client.ensure_namespace(me, LABELS)
        client.ensure_namespace(other, LABELS)
        client.apply(service("web", "web"), other)
        client.apply(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "web", "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]},
            },
            other,
        )
        try:
            yield client, me, other
        finally:
            client.delete_namespace(me)
            client.delete_namespace(other)


def grade(client: KubeClient, sim: Any, namespace: str, step: str) -> list[str]:
    """Every text of grading `nodeport/STEP` (which must fail): messages and diagnoses."""
    loaded = load_lesson(GOOD / "lessons" / "01-nodeport.yaml", GOOD)
    lab = LabCluster(
        provider="context",
        name="kubelab-sim",
        kubeconfig=Path(sim.kubeconfig),
        context="kubelab-sim",
        namespace=namespace,
    )
    bindings = {"namespace": namespace, "web_node_port": 30999}
    result = grade_lesson(lab, loaded, bindings, client, step_ids=[step], poll=False)
    checks = [c for step in result.steps for c in step.checks]
    assert checks and all(c.status == "failed" for c in checks), checks
    return [text for c in checks for text in (c.message, *c.diagnosis, c.diff or "")]


def test_a_missing_service_is_not_found_in_another_learners_namespace(
    sim: Any, classroom: tuple[KubeClient, str, str]
) -> None:
    client, me, other = classroom
    texts = grade(client, sim, me, "create")
    assert not [t for t in texts if other in t], texts


def test_pods_of_another_learner_are_not_offered_as_the_match(
    sim: Any, classroom: tuple[KubeClient, str, str]
) -> None:
    client, me, other = classroom
    client.apply(service("web", "web"), me)  # app=web: no such pod in my namespace
    texts = grade(client, sim, me, "nodeport")  # not a NodePort yet: fails, diagnosed
    assert not [t for t in texts if other in t], texts


def test_a_service_in_an_unmanaged_namespace_is_still_pointed_at(
    sim: Any, classroom: tuple[KubeClient, str, str]
) -> None:
    """The learner's own mistake (applied without -n into a namespace kubelab does not manage)
    is still diagnosed."""
    client, me, _ = classroom
    scratch = f"scratch-{secrets.token_hex(3)}"
    client.ensure_namespace(scratch)
    try:
        client.apply(service("web", "web"), scratch)
        texts = grade(client, sim, me, "create")
        assert [t for t in texts if scratch in t], texts
    finally:
        client.delete_namespace(scratch)
