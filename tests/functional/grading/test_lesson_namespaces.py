"""Lessons in namespaces of their own, on the simulator through real kubectl: a lesson starts in
its stated state whatever came before, reset works where the namespace is `default` (emptied,
never deleted) and on a borrowed context (the context provider against a simulator's
kubeconfig), and the two orderings that broke a learner's course stay fixed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubelab.cluster.base import (
    HOST_PORTS_PATH,
    LAB_LABEL,
    MANAGED_BY_LABEL,
    ClusterError,
    LabCluster,
)
from kubelab.cluster.client import KubeClient
from kubelab.cluster.context import ContextProvider
from kubelab.grading.actions import apply_actions, apply_objects
from kubelab.grading.lesson_lab import lesson_lab, prepare_step, start_lesson
from kubelab.grading.runner import grade_lesson
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.manifests import read_manifest_docs

KUBECTL = Path(sys.executable).parent / "kubectl"
COURSE = load_course()
CLUSTERIP = COURSE.find("clusterip-service")
ENDPOINTS = COURSE.find("endpoints")
ENV_VARS = COURSE.find("environment-variables")
assert CLUSTERIP and ENDPOINTS and ENV_VARS

# What a learner typing lesson 2's second step applies with `kubectl apply` (client-side).
LEARNERS_8080 = """\
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels: {run: my-nginx}
spec:
  ports:
  - port: 8080
    targetPort: 80
    protocol: TCP
  selector: {run: my-nginx}
"""


class Learner:
    """Real kubectl with kubelab's kubeconfig and no `-n`: wherever the lesson points it."""

    def __init__(self, kubeconfig: Path, cache: Path) -> None:
        self.kubeconfig = kubeconfig
        self.cache = cache

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip


def own_kubeconfig(source: Path, directory: Path) -> Path:
    path = directory / "kubelab.kubeconfig"
    shutil.copy(source, path)
    path.chmod(0o600)
    return path


def sim_lab(kubeconfig: Path, namespace: str) -> LabCluster:
    return LabCluster(
        provider="sim",
        name="kubelab",
        kubeconfig=kubeconfig,
        context="kubelab-sim",
        namespace=namespace,
        capabilities=frozenset({"loadbalancer", "nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        host_ports_path=HOST_PORTS_PATH,
    )


def ports(client: KubeClient, namespace: str) -> list[int]:
    service = client.get("v1", "Service", "my-nginx", namespace)
    assert service is not None
    return [port["port"] for port in service["spec"]["ports"]]


def step_passes(
    client: KubeClient, lab: LabCluster, loaded: LoadedLesson, step: str, bindings: Any
) -> list[str]:
    own = lesson_lab(lab, loaded.lesson.id)
    result = grade_lesson(own, loaded, bindings, client, step_ids=[step], max_wait=30)
    return [c.message for s in result.steps for c in s.checks if c.status != "passed"]


@pytest.fixture
def shared_lab(sim: Any, tmp_path: Path) -> Iterator[tuple[KubeClient, LabCluster, Learner]]:
    """A lab with a namespace of its own on the shared simulator (its lessons' namespaces are
    `<lab>-<lesson>`), kubelab's own kubeconfig, and the learner's kubectl."""
    namespace = f"lab-{uuid.uuid4().hex[:6]}"
    kubeconfig = own_kubeconfig(sim.kubeconfig, tmp_path)
    lab = sim_lab(kubeconfig, namespace)
    with KubeClient(kubeconfig, lab.context, namespace) as client:
        client.ensure_namespace(namespace, {MANAGED_BY_LABEL: "kubelab"})
        try:
            yield client, lab, Learner(kubeconfig, tmp_path / "cache")
        finally:
            for found in client.list("v1", "Namespace", None, {LAB_LABEL: namespace}):
                client.delete_namespace(found["metadata"]["name"])
            client.delete_namespace(namespace)


def test_lesson_2_then_lesson_3_with_the_learners_kubectl_apply_of_port_8080(
    shared_lab: tuple[KubeClient, LabCluster, Learner],
) -> None:
    client, lab, kubectl = shared_lab
    two, _ = start_lesson(client, lab, CLUSTERIP, {})
    assert kubectl("apply", "-f", "-", stdin=LEARNERS_8080).returncode == 0
    assert ports(client, str(two["namespace"])) == [8080]
    three, done = start_lesson(client, lab, ENDPOINTS, {})
    assert three["namespace"] != two["namespace"]
    assert any("nginx-svc-wrong-selector.yaml" in line for line in done), done
    assert ports(client, str(three["namespace"])) == [80]
    # the learner's kubectl now lands in lesson 3's namespace; lesson 2's 8080 is untouched
    got = kubectl("get", "svc", "my-nginx", "-o", "jsonpath={.metadata.namespace}")
    assert got.stdout == three["namespace"], got.stderr
    assert ports(client, str(two["namespace"])) == [8080]
    # the learner's 8080 in lesson 3's own namespace: setting its first step up again (and
    # applying its setup over it) recreates the Service as written instead of merging
    assert kubectl("apply", "-f", "-", stdin=LEARNERS_8080).returncode == 0
    setup = read_manifest_docs(ENDPOINTS.manifest_path(ENDPOINTS.lesson.setup.manifests[1]), three)
    done = apply_objects(client, setup, str(three["namespace"]), "setup")
    assert done[0].startswith("recreated Service/my-nginx"), done
    assert ports(client, str(three["namespace"])) == [80]
    assert kubectl("apply", "-f", "-", stdin=LEARNERS_8080).returncode == 0
    prepare_step(client, ENDPOINTS, None, three, lab.namespace)
    assert ports(client, str(three["namespace"])) == [80]


def test_lesson_3_then_lesson_4_the_ordering_demonstration_still_happens(
    shared_lab: tuple[KubeClient, LabCluster, Learner],
) -> None:
    client, lab, kubectl = shared_lab
    three, _ = start_lesson(client, lab, ENDPOINTS, {})
    for step in ENDPOINTS.lesson.steps:
        apply_actions(client, ENDPOINTS, step.solution, three)
    assert client.get("v1", "Service", "my-nginx", str(three["namespace"])) is not None
    four, _ = start_lesson(client, lab, ENV_VARS, {})
    first = ENV_VARS.lesson.steps[0].id
    # no Service yet where lesson 4 runs: its first step fails until the learner creates it
    assert client.get("v1", "Service", "my-nginx", str(four["namespace"])) is None
    assert step_passes(client, lab, ENV_VARS, first, four)
    nginx_svc = (Path(__file__).parents[3] / "manifests" / "nginx-svc.yaml").read_text()
    assert kubectl("apply", "-f", "-", stdin=nginx_svc).returncode == 0
    assert step_passes(client, lab, ENV_VARS, first, four) == []
    # the pods started before the Service: no MY_NGINX_SERVICE_HOST in them
    env = kubectl("exec", "deploy/my-nginx", "--", "printenv")
    assert env.returncode == 0, env.stderr
    assert "KUBERNETES_SERVICE_HOST" in env.stdout
    assert "MY_NGINX_SERVICE_HOST" not in env.stdout


@pytest.fixture
def fresh_sim(sim_factory: Callable[..., Any], tmp_path: Path) -> Iterator[tuple[Any, Path]]:
    """A simulator of this test's own: emptying `default` must not touch other tests' objects."""
    server = sim_factory("own")
    yield server, own_kubeconfig(server.kubeconfig, tmp_path)


def test_reset_where_the_namespace_is_default_empties_it(fresh_sim: tuple[Any, Path]) -> None:
    server, kubeconfig = fresh_sim
    kubectl = Learner(kubeconfig, kubeconfig.parent / "cache")
    bindings: dict[str, str | int] = {"namespace": "default"}
    second = CLUSTERIP.lesson.steps[1].id
    with KubeClient(kubeconfig, "kubelab-sim", "default") as client:
        done = prepare_step(client, CLUSTERIP, None, bindings, "default")
        assert done[0].startswith("emptied namespace default")
        assert kubectl("apply", "-f", "-", stdin=LEARNERS_8080).returncode == 0
        assert kubectl("run", "stray", "--image=nginx").returncode == 0
        # the step: the lesson's setup plus the first step's solution, over the learner's 8080
        done = prepare_step(client, CLUSTERIP, second, bindings, "default")
        assert done[0].startswith("emptied namespace default"), done
        assert client.get("v1", "Namespace", "default") is not None
        assert client.get("v1", "Service", "kubernetes", "default") is not None
        assert client.get("v1", "Pod", "stray", "default") is None
        assert ports(client, "default") == [80]
        # the lesson: its setup only
        prepare_step(client, CLUSTERIP, None, bindings, "default")
        assert client.get("v1", "Service", "my-nginx", "default") is None
        assert client.get("v1", "Service", "kubernetes", "default") is not None
        assert client.get("apps/v1", "Deployment", "my-nginx", "default") is not None
    assert "my-nginx" in kubectl("get", "deploy").stdout
    del server


def test_the_tui_grader_resets_where_the_lab_namespace_is_default(
    fresh_sim: tuple[Any, Path],
) -> None:
    from kubelab.tui.services import ClusterGrader

    _, kubeconfig = fresh_sim
    lab = sim_lab(kubeconfig, "default")
    grader = ClusterGrader()
    try:
        bindings = grader.start_lesson(lab, CLUSTERIP, {})
        assert bindings["namespace"] == "kubelab-clusterip-service"
        config = yaml.safe_load(kubeconfig.read_text())
        assert config["contexts"][0]["context"]["namespace"] == "kubelab-clusterip-service"
        first = CLUSTERIP.lesson.steps[0].id
        grader.apply_solution(lab, CLUSTERIP, first, bindings)
        grader.reset_step(lab, CLUSTERIP, first, bindings)
        assert grader.grade(lab, CLUSTERIP, first, bindings).status == "failed"
        grader.reset_lesson(lab, CLUSTERIP, dict(bindings, namespace="default"))
        with KubeClient(kubeconfig, "kubelab-sim", "default") as client:
            assert client.get("v1", "Service", "kubernetes", "default") is not None
            assert client.get("apps/v1", "Deployment", "my-nginx", "default") is not None
    finally:
        grader.close()


@pytest.fixture
def borrowed(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LabCluster]:
    """The context provider against the simulator's kubeconfig, as a learner's own cluster."""
    home = tmp_path / "home" / ".kube"
    home.mkdir(parents=True)
    (home / "config").write_text(sim.kubeconfig.read_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    provider = ContextProvider("kubelab-sim", namespace=f"lab-{uuid.uuid4().hex[:6]}", yes=True)
    lab = provider.provision()
    yield lab
    provider.teardown()


def test_reset_on_a_borrowed_context(borrowed: LabCluster, tmp_path: Path) -> None:
    lab = borrowed
    kubectl = Learner(lab.kubeconfig, tmp_path / "cache")
    with KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client:
        bindings, _ = start_lesson(client, lab, CLUSTERIP, {})
        namespace = str(bindings["namespace"])
        assert namespace == f"{lab.namespace}-clusterip-service"
        labels = client.get("v1", "Namespace", namespace)["metadata"]["labels"]  # type: ignore[index]
        assert labels[MANAGED_BY_LABEL] == "kubelab" and labels[LAB_LABEL] == lab.namespace
        assert kubectl("apply", "-f", "-", stdin=LEARNERS_8080).returncode == 0
        assert ports(client, namespace) == [8080]
        second = CLUSTERIP.lesson.steps[1].id
        prepare_step(client, CLUSTERIP, second, bindings, lab.namespace)
        assert ports(client, namespace) == [80]
        prepare_step(client, CLUSTERIP, None, bindings, lab.namespace)
        assert client.get("v1", "Service", "my-nginx", namespace) is None
        # the lab namespace itself is never the lesson's, and stays as it was
        assert client.get("v1", "Namespace", lab.namespace) is not None


def test_a_namespace_kubelab_did_not_create_is_not_taken(borrowed: LabCluster, sim: Any) -> None:
    lab = borrowed
    taken = f"{lab.namespace}-clusterip-service"
    sim.kubectl("create", "namespace", taken, check=True)
    try:
        with (
            KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client,
            pytest.raises(ClusterError, match="was not created by kubelab"),
        ):
            start_lesson(client, lab, CLUSTERIP, {})
    finally:
        sim.kubectl("delete", "namespace", taken, "--wait=false")


def test_kubelab_down_on_a_borrowed_context_deletes_the_lessons_namespaces(
    sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / ".kube"
    home.mkdir(parents=True)
    (home / "config").write_text(sim.kubeconfig.read_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    provider = ContextProvider("kubelab-sim", namespace=f"lab-{uuid.uuid4().hex[:6]}", yes=True)
    lab = provider.provision()
    with KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client:
        bindings, _ = start_lesson(client, lab, CLUSTERIP, {})
        provider.teardown()
        for name in (lab.namespace, str(bindings["namespace"])):
            found = client.get("v1", "Namespace", name)
            assert found is None or found["metadata"].get("deletionTimestamp"), name
