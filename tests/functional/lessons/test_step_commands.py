"""On the simulator, with real kubectl: a learner who types what each step's body shows gets what
the body promises. Every complete YAML manifest in a body applies (or fails exactly as the body
says), every `kubectl` line in a body's code blocks runs, and a step whose body does all the work
then passes its checks.

Lines that need the learner's own input are filled as a learner would (`<INTERNAL-IP>` with a
node's address, `${...}` with the lab's values); `-it` becomes `-i` (no terminal here); watches
(`-w`) and `-f FILE` lines (the YAML blocks are applied directly instead) are left out."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import apply_actions
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.engine import grade_step
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.render import substitute

if TYPE_CHECKING:
    from conftest import Lab

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
    "headless": ["create-headless", "scale-and-resolve", "statefulset-names"],
    "capstone": [],
    "debug-broken-service": [],
}


def blocks(body: str) -> Iterator[tuple[str, str]]:
    for match in BLOCK.finditer(body):
        yield match.group(1), match.group(2)


def command_lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("kubectl "):
            yield line.split(" | ")[0]  # `... | grep SERVICE`: the learner's filter, not kubectl's


def runnable(line: str) -> bool:
    words = line.split()
    return "-w" not in words and "-f" not in words and "--watch" not in words


def type_step(where: tuple[str, str], body: str, lab: Lab) -> list[str]:
    """Type what a step's body shows; returns what was typed."""
    typed: list[str] = []
    for number, (language, text) in enumerate(blocks(body)):
        block = (*where, number)
        if language == "yaml":
            if "apiVersion:" not in text:
                continue  # a fragment to fit into the learner's own manifest
            done = lab.kubectl("apply", "-f", "-", stdin=text)
            typed.append(f"kubectl apply -f <block {number}>")
            if block in REFUSED_MANIFESTS:
                assert done.returncode != 0, block
                assert REFUSED_MANIFESTS[block] in done.stderr, done.stderr
            else:
                assert done.returncode == 0, f"{block}: {done.stderr}"
                lab.settle()
            continue
        for line in command_lines(text):
            if not runnable(line):
                continue
            args = shlex.split(line)[1:]
            args = ["-i" if arg == "-it" else arg for arg in args]
            typed.append(line)
            done = lab.kubectl(*args)
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
                lab.settle()
    return typed


def node_address(client: KubeClient) -> str:
    node = client.list("v1", "Node")[0]
    addresses = node["status"]["addresses"]
    return str(next(a["address"] for a in addresses if a["type"] == "InternalIP"))


@pytest.mark.timeout(400)
@pytest.mark.parametrize("loaded", LESSONS, ids=[item.lesson.id for item in LESSONS])
def test_what_the_body_shows_works_as_written(loaded: LoadedLesson, lab: Lab) -> None:
    client, cluster = lab.client, lab.cluster
    bindings = allocate_bindings(client, loaded.lesson, cluster.namespace)
    try:
        values: dict[str, str | int] = {"namespace": cluster.namespace, **bindings}
        apply_actions(client, loaded, loaded.lesson.setup, values)
        lab.settle()
        by_body: list[str] = []
        for step in loaded.lesson.steps:
            if step.setup.manifests or step.setup.commands:  # the step's own breakage
                apply_actions(client, loaded, step.setup, values)
                lab.settle()
            body = substitute(step.body, values).replace("<INTERNAL-IP>", node_address(client))
            type_step((loaded.lesson.id, step.id), body, lab)
            result = grade_step(cluster, loaded, step.id, values, client, poll=False)
            if result.passed:
                by_body.append(step.id)
            else:  # the body leaves part of the work to the learner: do it as the solution does
                apply_actions(client, loaded, step.solution, values)
                lab.settle()
    finally:
        release_bindings(bindings)
    assert by_body == BODY_DOES_THE_WORK[loaded.lesson.id]
