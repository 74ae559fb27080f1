"""A cluster restored from its state file, and `--nodes`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers import apply, deployment, get_json, running_pods

from tests.conftest import SimServer


def test_state_survives_a_restart(sim_factory: Callable[..., SimServer], tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    first = sim_factory("first", state=state)
    apply(first.kubectl, deployment("keep", "keep", replicas=2), "-n", "default")
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: keep\nspec:\n  selector:\n    run: keep\n  ports:\n  - port: 80\n"  # noqa: E501
    apply(first.kubectl, svc)
    before = running_pods(first.kubectl, "default", "run=keep", 2)
    ip = get_json(first.kubectl, "svc", "keep")["spec"]["clusterIP"]
    name = before[0]["metadata"]["name"]
    env_before = first.kubectl("exec", name, "--", "printenv", check=True).stdout
    first.stop()
    second = sim_factory("second", state=state)
    after = running_pods(second.kubectl, "default", "run=keep", 2)
    assert {p["metadata"]["name"] for p in after} == {p["metadata"]["name"] for p in before}
    assert get_json(second.kubectl, "svc", "keep")["spec"]["clusterIP"] == ip
    nodes = get_json(second.kubectl, "nodes")["items"]
    assert len(nodes) == 3
    second.kubectl("scale", "deployment", "keep", "--replicas=3", check=True)
    running_pods(second.kubectl, "default", "run=keep", 3)
    # the environment a container got at start is kept, not recomputed
    env_after = second.kubectl("exec", name, "--", "printenv", check=True).stdout
    assert sorted(env_after.splitlines()) == sorted(env_before.splitlines())


def test_single_node_cluster_runs_workloads_on_the_control_plane(
    sim_factory: Callable[..., SimServer],
) -> None:
    single = sim_factory("single", extra=("--nodes", "1"))
    nodes = get_json(single.kubectl, "nodes")["items"]
    assert [n["metadata"]["name"] for n in nodes] == ["kubelab-control-plane"]
    assert not nodes[0]["spec"].get("taints")
    apply(single.kubectl, deployment("solo", "solo", replicas=1), "-n", "default")
    pod = running_pods(single.kubectl, "default", "run=solo", 1)[0]
    assert pod["spec"]["nodeName"] == "kubelab-control-plane"
    assert pod["status"]["podIP"].startswith("10.244.0.")
