"""The bundled course as a teacher reads it: every mistake of the seed tutorial is corrected and
the step says so; no manifest or solution repeats one; every step grades an object that the step
itself makes or changes; hints reveal more one at a time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.model import Step

COURSE = load_course()
LESSONS = {item.lesson.id: item for item in COURSE.lessons}
REPO = Path(__file__).resolve().parents[3]
# Values the bindings take when the course is read without a cluster.
BINDINGS: dict[str, str | int] = {
    "namespace": "lab",
    "node_port": 30080,
    "fixed_ip": "10.96.100.10",
    "other_ip": "10.96.100.11",
}


def body(lesson: str, step: str) -> str:
    found = LESSONS[lesson].lesson.step(step)
    assert found is not None, f"{lesson}/{step}"
    return " ".join(found.body.split())


# (lesson, step, what the seed tutorial gets wrong, phrases the step must say about it)
CORRECTIONS = [
    ("clusterip-service", "create-the-service", "calls the ClusterIP example a NodePort",
     ("ClusterIP is the default", "calls this Service a NodePort: it is not one")),
    ("multiple-ports", "two-named-ports", "multi-port YAML with a broken indent",
     ("indented by one space", "error converting YAML to JSON", "Indent both by two spaces")),
    ("multiple-ports", "two-named-ports", "every port of a multi-port Service needs a name",
     ("spec.ports[1].name: Required value", "every port needs a name")),
    ("services-without-pods", "no-selector", "repeats the webserver block for the selectorless one",
     ("repeats the `webserver` one by mistake", "no selector")),
    ("headless", "create-headless", 'headless is "a service that does have an IP"',
     ('"a service that does have an IP"', "it has none")),
    ("loadbalancer", "make-it-a-loadbalancer", "sets the deprecated loadBalancerIP",
     ("`spec.loadBalancerIP` is **deprecated**", "do not set it")),
    ("loadbalancer", "make-it-a-loadbalancer", "shows TYPE ClusterIP with an external IP",
     ("TYPE `ClusterIP` with an external IP",)),
    ("dns", "client-pod", "uses radial/busyboxplus:curl, which cannot be pulled",
     ("`radial/busyboxplus:curl`", "can no longer pull", "curlimages/curl")),
    ("fixed-cluster-ip", "choose-the-ip", "fixes clusterIP 10.96.0.1, the kubernetes Service's",
     ("`10.96.0.1`", "held by the `kubernetes` Service", "provided IP is already allocated")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lesson", "step", "mistake", "phrases"), CORRECTIONS, ids=[c[2] for c in CORRECTIONS]
)
def test_each_seed_mistake_is_corrected_in_its_step(
    lesson: str, step: str, mistake: str, phrases: tuple[str, ...]
) -> None:
    text = body(lesson, step)
    for phrase in phrases:
        assert phrase in text, f"{lesson}/{step} ({mistake}) does not say {phrase!r}"


def solution_objects(loaded: LoadedLesson, step: Step) -> Iterator[dict[str, Any]]:
    for rel in step.solution.manifests:
        yield from read_manifest_docs(loaded.manifest_path(rel), BINDINGS)


def every_object() -> Iterator[tuple[str, dict[str, Any]]]:
    for loaded in COURSE.lessons:
        for rel in loaded.lesson.setup.manifests:
            for obj in read_manifest_docs(loaded.manifest_path(rel), BINDINGS):
                yield f"{loaded.lesson.id}/setup", obj
        for step in loaded.lesson.steps:
            for obj in solution_objects(loaded, step):
                yield f"{loaded.lesson.id}/{step.id}", obj


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key), item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def test_no_manifest_repeats_a_seed_mistake() -> None:
    for where, obj in every_object():
        pairs = list(walk(obj))
        assert not [k for k, _ in pairs if k == "loadBalancerIP"], f"{where}: loadBalancerIP"
        images = [v for k, v in pairs if k == "image"]
        assert not [i for i in images if "busyboxplus" in str(i)], f"{where}: {images}"
        assert all(":" in str(i) and not str(i).endswith(":latest") for i in images), images
        assert ("clusterIP", "10.96.0.1") not in pairs, where
        if obj.get("kind") == "Service":
            ports = obj.get("spec", {}).get("ports") or []
            if len(ports) > 1:
                assert all(p.get("name") for p in ports), f"{where}: an unnamed port"
            node_ports = [p["nodePort"] for p in ports if "nodePort" in p]
            # nodePorts are cluster-wide: only from the lab's bindings, never hard-coded.
            assert all(p == BINDINGS["node_port"] for p in node_ports), f"{where}: {node_ports}"
            cluster_ip = obj.get("spec", {}).get("clusterIP")
            assert cluster_ip in (None, "None", BINDINGS["fixed_ip"]), f"{where}: {cluster_ip}"


NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


def made_by(loaded: LoadedLesson, step: Step) -> set[str]:
    """Names of the objects the step's solution creates or changes (kubectl argv or manifests)."""
    names = {str(obj["metadata"]["name"]) for obj in solution_objects(loaded, step)}
    for argv in step.solution.commands:
        for arg in argv[2:]:
            target = arg.rsplit("/", 1)[-1]
            if not arg.startswith("-") and NAME.fullmatch(target):
                names.add(target)
    for obj in solution_objects(loaded, step):
        # Objects are also graded by their labels (pods by the template's, slices by their own).
        labels = obj.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {})
        names.update(str(v) for v in labels.values())
        names.update(str(v) for v in (obj["metadata"].get("labels") or {}).values())
    return names


def graded(check: Any) -> set[str]:
    """Every object name or label value a check reads (its target, pod, service, DNS name)."""
    found: set[str] = set()
    spec = check.model_dump(by_alias=True, exclude_none=True)
    for key in ("name", "explain"):  # what the check is called, not what it reads
        spec.pop(key, None)
    for key, value in walk(spec):
        if key in ("name", "service") and isinstance(value, str):
            found.add(value)
        elif key == "selector" and isinstance(value, dict):
            found.update(str(v) for v in value.values())
        elif key in ("query", "url") and isinstance(value, str):
            host = value.split("://")[-1].split("/")[0].split(":")[0]
            found.add(host.split(".")[0])
    return found


def test_every_step_grades_what_its_solution_makes() -> None:
    for loaded in COURSE.lessons:
        for step in loaded.lesson.steps:
            made = made_by(loaded, step)
            reads = set().union(*(graded(check) for check in step.checks))
            where = f"{loaded.lesson.id}/{step.id}"
            assert made & reads, f"{where}: checks read {sorted(reads)}, solution makes {made}"


def test_hints_reveal_more_one_at_a_time() -> None:
    for loaded in COURSE.lessons:
        for step in loaded.lesson.steps:
            where = f"{loaded.lesson.id}/{step.id}"
            assert 1 <= len(step.hints) <= 4, where
            assert len(set(step.hints)) == len(step.hints), f"{where}: a hint repeats"
            assert not any(h.strip() in step.body for h in step.hints), f"{where}: hint = body"


def test_steps_are_short_and_titled() -> None:
    for loaded in COURSE.lessons:
        assert 1 <= len(loaded.lesson.steps) <= 4, loaded.lesson.id
        for step in loaded.lesson.steps:
            where = f"{loaded.lesson.id}/{step.id}"
            assert len(step.body.split()) <= 260, f"{where}: {len(step.body.split())} words"
            assert len(step.title) <= 40, where
            assert 1 <= len(step.checks) <= 4, where
