"""The API the TUI uses: grade_step, apply_actions ("apply for me"), prepare_step (resets),
allocate_bindings — against the in-memory cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import LabCluster
from kubelab.grading.actions import ActionFailed, apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.context import GradingError
from kubelab.grading.engine import grade_step
from kubelab.grading.lesson_lab import prepare_step
from kubelab.lessons.loader import load_course

COURSES = Path(__file__).parents[2] / "fixtures" / "courses"
LAB = LabCluster("sim", "kubelab", Path("/nonexistent"), "kubelab", "lab")


@pytest.fixture
def loaded() -> Any:
    return load_course(COURSES / "good").lessons[0]


@pytest.fixture
def bindings(fake: Any, build: Any, loaded: Any) -> Any:
    kubernetes = build.service("kubernetes", None, cluster_ip="10.96.0.1")
    kubernetes["metadata"]["namespace"] = "default"
    fake.add(kubernetes)
    taken = build.service("taken", None, node_port=30500)
    fake.add(taken)
    values = allocate_bindings(fake, loaded.lesson, "lab")
    yield values
    release_bindings(values)


def test_allocated_node_port_is_free(bindings: Any) -> None:
    assert bindings["namespace"] == "lab"
    assert 30000 <= bindings["web_node_port"] <= 32767
    assert bindings["web_node_port"] != 30500


def test_node_ports_come_from_the_published_ones_when_only_some_are(
    fake: Any, build: Any, loaded: Any
) -> None:
    """kind on macOS or rootless publishes only its extraPortMappings on the host."""
    import dataclasses

    fake.add(build.service("taken", None, node_port=30500))
    published = dataclasses.replace(LAB, nodeport_map={30500: 30500, 30501: 30501})
    for _ in range(5):
        values = allocate_bindings(fake, loaded.lesson, "lab", cluster=published)
        release_bindings(values)
        assert values["web_node_port"] == 30501
    held = allocate_bindings(fake, loaded.lesson, "lab", cluster=published)
    try:
        with pytest.raises(GradingError, match="the 2 nodePorts this cluster publishes"):
            allocate_bindings(fake, loaded.lesson, "lab", cluster=published)
    finally:
        release_bindings(held)


def test_the_simulator_gets_node_ports_nothing_on_this_machine_listens_on(
    fake: Any, loaded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulator serves a nodePort on 127.0.0.1:<nodePort>: one in use here is skipped."""
    import dataclasses
    import socket

    from kubelab.cluster.base import HOST_PORTS_PATH
    from kubelab.grading import bindings as module

    with socket.socket() as held, socket.socket() as probe:
        held.bind(("127.0.0.1", 0))
        held.listen()
        probe.bind(("127.0.0.1", 0))
        taken, free = held.getsockname()[1], probe.getsockname()[1]
        probe.close()
        monkeypatch.setattr(module, "NODE_PORT_RANGE", [taken, free])
        sim = dataclasses.replace(LAB, nodeport_host="127.0.0.1", host_ports_path=HOST_PORTS_PATH)
        for _ in range(10):
            values = allocate_bindings(fake, loaded.lesson, "lab", cluster=sim)
            release_bindings(values)
            assert values["web_node_port"] == free
        # a cluster that does not serve its nodePorts here does not look at this machine
        seen = set()
        for _ in range(64):
            values = allocate_bindings(fake, loaded.lesson, "lab", cluster=LAB)
            release_bindings(values)
            seen.add(values["web_node_port"])
        assert seen == {taken, free}
        monkeypatch.setattr(module, "NODE_PORT_RANGE", [taken])
        with pytest.raises(GradingError, match="in use on this machine"):
            allocate_bindings(fake, loaded.lesson, "lab", cluster=sim)


def test_grade_apply_and_reset(fake: Any, loaded: Any, bindings: Any) -> None:
    before = grade_step(LAB, loaded, "create", bindings, fake, poll=False)
    assert before.status == "failed" and before.score == 0
    done = apply_actions(fake, loaded, loaded.lesson.step("create").solution, bindings)
    assert done == ["applied Service/web from ../manifests/web-clusterip.yaml"]
    assert grade_step(LAB, loaded, "create", bindings, fake).passed
    apply_actions(fake, loaded, loaded.lesson.step("nodeport").solution, bindings)
    after = grade_step(LAB, loaded, "nodeport", bindings, fake)
    assert after.passed, after.checks[0].message
    svc = fake.get("v1", "Service", "web", "lab")
    assert svc["spec"]["ports"][0]["nodePort"] == bindings["web_node_port"]
    # reset to the start of step "nodeport": step create's solution applied, not nodeport's
    prepare_step(fake, loaded, "nodeport", bindings, "lab", timeout=5)
    svc = fake.get("v1", "Service", "web", "lab")
    assert svc is not None and "type" not in svc["spec"]
    prepare_step(fake, loaded, None, bindings, "lab", timeout=5)
    assert fake.get("v1", "Service", "web", "lab") is None
    assert fake.get("v1", "Namespace", "lab") is not None


def test_unknown_step_is_a_grading_error(fake: Any, loaded: Any, bindings: Any) -> None:
    with pytest.raises(GradingError, match="no step 'nope'"):
        grade_step(LAB, loaded, "nope", bindings, fake)


def test_refused_object_is_action_failed(fake: Any, loaded: Any, bindings: Any) -> None:
    from kubelab.cluster.client import ApiRejected

    def refuse(obj: Any, namespace: Any = None) -> Any:
        raise ApiRejected(422, "Invalid", 'Service "web" is invalid: spec.ports: Required value')

    fake.apply = refuse
    with pytest.raises(ActionFailed, match='was refused: Service "web" is invalid'):
        apply_actions(fake, loaded, loaded.lesson.step("create").solution, bindings)
