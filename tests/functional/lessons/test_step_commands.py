"""On the simulator, with real kubectl: a learner who types what each step's body shows gets what
the body promises. Every complete YAML manifest in a body applies (or fails exactly as the body
says), every `kubectl` line in a body's code blocks runs, and a step whose body does all the work
then passes its checks.

Lines that need the learner's own input are filled as a learner would (`<INTERNAL-IP>` with a
node's address, `${...}` with the lab's values); `-it` becomes `-i` (no terminal here); watches
(`-w`) and `-f FILE` lines (the YAML blocks are applied directly instead) are left out."""

from __future__ import annotations

import re
import secrets
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubelab.cluster.base import HOST_ADDRESS_ANNOTATION, LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.engine import grade_step
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.render import substitute

KUBECTL = Path(sys.executable).parent / "kubectl"
LESSONS = load_course().lessons
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)

# A manifest a body shows on purpose as broken: (lesson, step, block number) -> what kubectl says.
REFUSED_MANIFESTS = {("multiple-ports", "two-named-ports", 0): "error converting YAML to JSON"}
# A command a body runs on purpose to show a refusal: (lesson, step, start) -> what kubectl says.
REFUSED_COMMANDS = {
    ("fixed-cluster-ip", "move-the-ip", "kubectl patch svc my-nginx"): "may not change once set"
}

# Steps whose body shows everything to type (the others leave the work, or part of it, to the
# learner as an exercise: a selector to fix, a fragment to fit, a Service to write).
BODY_DOES_THE_WORK = {
    "why-services": ["run-my-nginx", "a-lonely-pod", "delete-lonely", "replace-every-pod"],
    "clusterip-service": ["create-the-service"],
    "endpoints": ["scale-up", "scale-down"],
    "environment-variables": ["recreate-the-pods"],
    "dns": ["client-pod", "full-name"],
    "nodeport": ["expose-on-a-nodeport"],
    "loadbalancer": ["make-it-a-loadbalancer", "back-to-clusterip"],
    "multiple-ports": [],
    "services-without-pods": ["no-selector", "write-the-endpoints", "externalname"],
    "fixed-cluster-ip": ["choose-the-ip", "move-the-ip"],
    "headless": ["create-headless", "scale-and-resolve"],
    "capstone": [],
}


def blocks(body: str) -> Iterator[tuple[str, str]]:
    for match in BLOCK.finditer(body):
        yield match.group(1), match.group(2)


class Learner:
    """Real kubectl on a kubeconfig whose context namespace is the lesson's lab namespace."""

    def __init__(self, kubeconfig: Path, cache: Path) -> None:
        self.kubeconfig = kubeconfig
        self.cache = cache

    def run(self, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=90,
        )  # fmt: skip


@pytest.fixture
def lab(sim: Any, tmp_path: Path) -> Iterator[tuple[KubeClient, LabCluster, Learner]]:
    namespace = f"typed-{secrets.token_hex(3)}"
    config = yaml.safe_load(Path(sim.kubeconfig).read_text(encoding="utf-8"))
    for context in config["contexts"]:
        context["context"]["namespace"] = namespace
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(config), encoding="utf-8")
    kubeconfig.chmod(0o600)
    with KubeClient(Path(sim.kubeconfig), "kubelab-sim", namespace) as client:
        client.ensure_namespace(namespace, {"app.kubernetes.io/managed-by": "kubelab"})
        cluster = LabCluster(
            provider="context",
            name="kubelab-sim",
            kubeconfig=Path(sim.kubeconfig),
            context="kubelab-sim",
            namespace=namespace,
            # As the sim provider describes it: host traffic goes to its 127.0.0.1 ports only.
            capabilities=frozenset({"loadbalancer", "nodeport-from-host", "multi-node"}),
            nodeport_host="127.0.0.1",
            host_address_annotation=HOST_ADDRESS_ANNOTATION,
        )
        try:
            yield client, cluster, Learner(kubeconfig, tmp_path / "cache")
        finally:
            client.delete_namespace(namespace)


def settled(client: KubeClient, namespace: str, timeout: float = 90) -> None:
    """Every Deployment rolled out, every pod ready (or finished), none terminating."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = [
            d["metadata"]["name"]
            for d in client.list("apps/v1", "Deployment", namespace)
            if any(
                (d.get("status") or {}).get(key, 0) != d["spec"]["replicas"]
                for key in ("replicas", "updatedReplicas", "readyReplicas")
            )
        ]
        for pod in client.list("v1", "Pod", namespace):
            status = pod.get("status") or {}
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or []
            )
            done = status.get("phase") in ("Succeeded", "Failed")
            if pod["metadata"].get("deletionTimestamp") or not (ready or done):
                waiting.append(pod["metadata"]["name"])
        if not waiting:
            return
        assert time.monotonic() < deadline, f"not settled after {timeout}s: {waiting}"
        time.sleep(0.2)


def command_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("kubectl "):
            yield line.split(" | ")[0]  # `... | grep SERVICE`: the learner's filter, not kubectl's


def runnable(line: str) -> bool:
    words = line.split()
    return "-w" not in words and "-f" not in words and "--watch" not in words


def type_step(
    where: tuple[str, str], body: str, learner: Learner, client: KubeClient, namespace: str
) -> list[str]:
    """Type what a step's body shows; returns what was typed."""
    typed: list[str] = []
    for number, (language, text) in enumerate(blocks(body)):
        block = (*where, number)
        if language == "yaml":
            if "apiVersion:" not in text:
                continue  # a fragment to fit into the learner's own manifest
            done = learner.run(["apply", "-f", "-"], stdin=text)
            typed.append(f"kubectl apply -f <block {number}>")
            if block in REFUSED_MANIFESTS:
                assert done.returncode != 0, block
                assert REFUSED_MANIFESTS[block] in done.stderr, done.stderr
            else:
                assert done.returncode == 0, f"{block}: {done.stderr}"
                settled(client, namespace)
            continue
        for line in command_lines(text):
            if not runnable(line):
                continue
            args = shlex.split(line)[1:]
            args = ["-i" if arg == "-it" else arg for arg in args]
            typed.append(line)
            done = learner.run(args)
            refusal = next(
                (said for (les, st, start), said in REFUSED_COMMANDS.items()
                 if (les, st) == where and line.startswith(start)),
                None,
            )  # fmt: skip
            if refusal is not None:
                assert done.returncode != 0 and refusal in done.stderr, f"{line}: {done.stderr}"
            elif "nslookup" in args:
                # busybox nslookup exits 1 when a search domain has no answer: the body says so.
                assert "Name:" in done.stdout or "canonical name" in done.stdout, (
                    f"{line}:\n{done.stdout}{done.stderr}"
                )
            else:
                assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
            if args[0] in ("apply", "run", "scale", "expose", "patch", "delete", "rollout"):
                settled(client, namespace)
    return typed


def node_address(client: KubeClient) -> str:
    node = client.list("v1", "Node")[0]
    addresses = node["status"]["addresses"]
    return str(next(a["address"] for a in addresses if a["type"] == "InternalIP"))


@pytest.mark.timeout(400)
@pytest.mark.parametrize("loaded", LESSONS, ids=[item.lesson.id for item in LESSONS])
def test_what_the_body_shows_works_as_written(
    loaded: LoadedLesson, lab: tuple[KubeClient, LabCluster, Learner]
) -> None:
    client, cluster, learner = lab
    bindings = allocate_bindings(client, loaded.lesson, cluster.namespace)
    try:
        values: dict[str, str | int] = {"namespace": cluster.namespace, **bindings}
        apply_actions(client, loaded, loaded.lesson.setup, values)
        settled(client, cluster.namespace)
        by_body: list[str] = []
        for step in loaded.lesson.steps:
            body = substitute(step.body, values).replace("<INTERNAL-IP>", node_address(client))
            type_step((loaded.lesson.id, step.id), body, learner, client, cluster.namespace)
            result = grade_step(cluster, loaded, step.id, values, client, poll=False)
            if result.passed:
                by_body.append(step.id)
            else:  # the body leaves part of the work to the learner: do it as the solution does
                apply_actions(client, loaded, step.solution, values)
                settled(client, cluster.namespace)
    finally:
        release_bindings(bindings)
    assert by_body == BODY_DOES_THE_WORK[loaded.lesson.id]
