"""The self-test waits for pods to start (or visibly fail) before acting, as a learner would."""

from __future__ import annotations

from typing import Any

from kubelab.grading.settle import is_settled, wait_settled


def deployment(replicas: int, created: int, observed: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": 1},
        "spec": {"replicas": replicas},
        "status": {"observedGeneration": observed, "replicas": created},
    }


def test_workloads_must_have_created_their_pods(fake: Any) -> None:
    fake.add(deployment(2, 0))
    assert not is_settled(fake, "lab")
    fake.add(deployment(2, 2, observed=0))
    assert not is_settled(fake, "lab")
    fake.add(deployment(2, 2))
    assert is_settled(fake, "lab")


def test_pods_must_start_or_visibly_fail(fake: Any, build: Any) -> None:
    starting = build.pod("a", {}, "", ready=False, waiting="ContainerCreating")
    fake.add(starting)
    assert not is_settled(fake, "lab")
    assert wait_settled(fake, "lab", timeout=0.1, interval=0.02) is False
    fake.add(build.pod("a", {}, "", ready=False, waiting="ImagePullBackOff"))
    assert is_settled(fake, "lab")
    fake.add(build.pod("b", {}, "10.244.0.5"))
    assert wait_settled(fake, "lab", timeout=1)
    leaving = build.pod("c", {}, "10.244.0.6")
    leaving["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    fake.add(leaving)
    assert not is_settled(fake, "lab")
