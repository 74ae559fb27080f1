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


def test_services_must_have_their_endpoints_computed(fake: Any, build: Any) -> None:
    """Settled means each selector Service's EndpointSlices list exactly the pods it selects,
    with their readiness (kubernetes pkg/controller/endpointslice/reconciler.go)."""
    fake.add(build.pod("a", {"app": "web"}, "10.244.0.5"))
    fake.add(build.pod("b", {"app": "web"}, "10.244.0.6", ready=False, waiting="CrashLoopBackOff"))
    fake.add(build.pod("other", {"app": "db"}, "10.244.0.7"))
    fake.add(build.service("web", {"app": "web"}))
    assert not is_settled(fake, "lab")  # no EndpointSlice yet
    fake.add(build.endpoint_slice("web", ["10.244.0.5"]))
    assert not is_settled(fake, "lab")  # the not-ready pod is not listed yet
    fake.add(build.endpoint_slice("web", ["10.244.0.5"], ("10.244.0.6",)))
    assert is_settled(fake, "lab")
    fake.add(build.endpoint_slice("web", ["10.244.0.5", "10.244.0.6"]))
    assert not is_settled(fake, "lab")  # lists a not-ready pod as ready


def test_a_service_selecting_nothing_settles_with_an_empty_slice(fake: Any, build: Any) -> None:
    fake.add(build.pod("a", {"run": "my-nginx"}, "10.244.0.5"))
    fake.add(build.service("wrong", {"app": "nginx"}))
    assert not is_settled(fake, "lab")
    fake.add(build.endpoint_slice("wrong", []))
    assert is_settled(fake, "lab")
    fake.add(build.service("external", None))  # no selector: its slices are its user's
    assert is_settled(fake, "lab")


def test_a_named_target_port_only_lists_pods_that_declare_it(fake: Any, build: Any) -> None:
    """A pod without a container port of that name is not an endpoint (FindPort fails)."""
    fake.add(build.pod("a", {"app": "web"}, "10.244.0.5"))
    fake.add(build.service("named", {"app": "web"}, target="http"))
    fake.add(build.endpoint_slice("named", []))
    assert is_settled(fake, "lab")
    fake.add(
        build.pod("a", {"app": "web"}, "10.244.0.5", ports=[{"name": "http", "containerPort": 80}])
    )
    assert not is_settled(fake, "lab")


def test_an_unschedulable_pod_is_settled(fake: Any, build: Any) -> None:
    pending = build.pod("a", {}, "", ready=False)
    pending["status"] = {"phase": "Pending"}
    fake.add(pending)
    assert not is_settled(fake, "lab")
    pending["status"]["conditions"] = [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
    ]
    fake.add(pending)
    assert is_settled(fake, "lab")
