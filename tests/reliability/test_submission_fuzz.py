"""Hypothesis fuzzing of the manifest appliers against the simulator:

- behind `kubelab grade --submission` (`kubelab.grading.submission.apply_submission`): whatever
  files a learner submits, the applier never raises, reports one passed/failed result per file, and
  changes nothing outside the grading namespace (no other namespace's objects, no new objects
  elsewhere, no Node);
- behind a lesson's setup and solutions, "apply for me" (`kubelab.grading.actions.apply_objects`):
  whatever objects a lesson's manifests hold, it applies them or raises ActionFailed /
  ClusterError with a message, and changes nothing outside the lab namespace."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kubelab.cluster.base import ClusterError
from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import ActionFailed, apply_objects
from kubelab.grading.submission import apply_submission

VICTIM_KINDS = [("v1", "ConfigMap"), ("v1", "Service"), ("v1", "Pod"), ("v1", "Secret")]
CLUSTER_KINDS = [("v1", "Namespace"), ("v1", "Node")]  # the cluster-scoped kinds served

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Arena:
    """A grading namespace, a victim namespace beside it, and a snapshot of everything else."""

    def __init__(self, client: KubeClient, grading: str, victim: str) -> None:
        self.client = client
        self.grading = grading
        self.victim = victim

    def outside(self) -> dict[tuple[str, str, str], str]:
        """(kind, namespace, name) -> resourceVersion of the objects a submission could try to
        reach outside the grading namespace (the victim namespace's versions; elsewhere, where
        the simulated control plane and earlier tests' cleanup change things by themselves, only
        which objects exist)."""
        seen: dict[tuple[str, str, str], str] = {}
        for api_version, kind in VICTIM_KINDS:
            for obj in self.client.list(api_version, kind, all_namespaces=True):
                meta = obj["metadata"]
                namespace = meta.get("namespace", "")
                if namespace not in (self.grading, self.victim) and meta.get("ownerReferences"):
                    continue  # made by a controller (earlier tests' Deployments), not by us
                if namespace != self.grading:
                    version = meta["resourceVersion"] if namespace == self.victim else "exists"
                    seen[(kind, namespace, meta["name"])] = version
        for api_version, kind in CLUSTER_KINDS:
            for obj in self.client.list(api_version, kind):
                meta = obj["metadata"]
                if not (kind == "Namespace" and meta["name"] == self.grading):
                    seen[(kind, "", meta["name"])] = "exists"
        return seen

    def changes(
        self, before: dict[tuple[str, str, str], str], after: dict[tuple[str, str, str], str]
    ) -> set[tuple[str, str, str]]:
        """What the applier did outside its namespace: any change in the victim namespace, any
        object that appeared elsewhere, any Node that came or went."""
        changed = set()
        for key in before.keys() | after.keys():
            kind, namespace, _ = key
            if namespace == self.victim or kind == "Node":
                if before.get(key) != after.get(key):
                    changed.add(key)
            elif key not in before:
                changed.add(key)
        return changed


@pytest.fixture(scope="module")
def arena(sim: Any) -> Iterator[Arena]:
    grading = f"fuzz-grade-{secrets.token_hex(3)}"
    victim = f"fuzz-victim-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, grading) as client:
        client.ensure_namespace(grading)
        client.ensure_namespace(victim)
        client.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "victim"}},
            victim,
        )
        yield Arena(client, grading, victim)
        client.delete_namespace(grading)
        client.delete_namespace(victim)


NAMES = st.one_of(
    st.sampled_from(
        [
            "web",
            "victim",
            "default",
            "../victim",
            "../../{victim}/configmaps/victim",
            "x/../../../{victim}/configmaps/victim",
            "a/b",
            "%2e%2e",
            "..",
            ".",
            "",
            "kubernetes",
            "node-1",
            "UPPER",
            "x" * 300,
        ]
    ),
    st.text(min_size=0, max_size=12),
    st.integers(),
    st.none(),
)
NAMESPACES = st.one_of(
    st.sampled_from(["{victim}", "default", "kube-system", "{grading}"]), st.text(max_size=8)
)
KINDS = st.sampled_from(
    [
        ("v1", "ConfigMap"),
        ("v1", "Service"),
        ("v1", "Secret"),
        ("v1", "Pod"),
        ("v1", "Namespace"),
        ("v1", "Node"),
        ("v1", "PersistentVolume"),
        ("apps/v1", "Deployment"),
        ("v1", "Bogus"),
        ("nope/v9", "ConfigMap"),
        ("v1", ""),
    ]
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def objects(draw: st.DrawFn) -> Any:
    api_version, kind = draw(KINDS)
    metadata: dict[str, Any] = {"name": draw(NAMES)}
    if draw(st.booleans()):
        metadata["namespace"] = draw(NAMESPACES)
    if draw(st.booleans()):
        metadata["labels"] = draw(st.dictionaries(st.text(max_size=6), SCALARS, max_size=2))
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": metadata}
    if kind == "ConfigMap":
        obj["data"] = draw(st.dictionaries(st.text(max_size=6), VALUES, max_size=3))
    elif kind == "Service":
        obj["spec"] = {
            "selector": {"app": draw(st.text(max_size=5))},
            "ports": [{"port": draw(st.integers(-5, 70000))}],
            **({"type": draw(st.text(max_size=12))} if draw(st.booleans()) else {}),
        }
    elif draw(st.booleans()):
        obj["spec"] = draw(VALUES)
    if draw(st.integers(0, 9)) == 0:
        return draw(VALUES)  # not an object at all
    return obj


def as_text(docs: list[Any], damage: int | None, victim: str, grading: str) -> str:
    try:
        text = yaml.safe_dump_all(docs, allow_unicode=True)
    except yaml.YAMLError:
        text = repr(docs)
    text = text.replace("{victim}", victim).replace("{grading}", grading)
    if damage is not None and text:
        cut = damage % len(text)
        text = text[:cut] + "{[\t\x00: " + text[cut:]
    return text


FILES = st.lists(
    st.tuples(
        st.sampled_from(["a.yaml", "b.yml", "c.json", "sub/d.yaml", ".hidden/e.yaml", "f.txt"]),
        st.lists(objects(), min_size=0, max_size=3),
        st.one_of(st.none(), st.integers(0, 10_000)),
    ),
    min_size=1,
    max_size=3,
    unique_by=lambda entry: entry[0],
)


NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "fuzz-node"}}
TRAVERSAL = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "../../{victim}/configmaps/victim"},
    "data": {"a": "b"},
}
ELSEWHERE = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "victim", "namespace": "{victim}"},
    "data": {"a": "b"},
}


@SETTINGS
@given(files=FILES, bindings_text=st.sampled_from(["", "${nodePort}", "${namespace}"]))
@example(files=[("a.yaml", [NODE, TRAVERSAL, ELSEWHERE], None)], bindings_text="")
@example(files=[("a.yaml", [ELSEWHERE], None), ("b.yml", [TRAVERSAL], None)], bindings_text="")
def test_the_applier_never_escapes_the_namespace(
    arena: Arena, tmp_path_factory: pytest.TempPathFactory, files: Any, bindings_text: str
) -> None:
    folder = tmp_path_factory.mktemp("submission")
    for name, docs, damage in files:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            as_text(docs, damage, arena.victim, arena.grading) + bindings_text, encoding="utf-8"
        )
    before = arena.outside()
    step = apply_submission(arena.client, folder, arena.grading, {"namespace": arena.grading})
    after = arena.outside()
    shutil.rmtree(folder)
    graded = sorted(c.name for c in step.checks)
    wanted = sorted(
        f"apply {name}"
        for name, _, _ in files
        if not name.startswith(".") and name.rsplit(".", 1)[1] in ("yaml", "yml", "json")
    )
    assert graded == (wanted or [f"apply {folder}"])
    for check in step.checks:
        assert check.status in ("passed", "failed"), (check.status, check.message)
        assert check.message and "Traceback" not in check.message
    changed = arena.changes(before, after)
    assert not changed, f"the submission changed objects outside its namespace: {changed}"


def placed(obj: Any, arena: Arena) -> Any:
    """`obj` with the victim/grading namespace names filled in."""
    text = yaml.safe_dump(obj).replace("{victim}", arena.victim).replace("{grading}", arena.grading)
    return yaml.safe_load(text)


@SETTINGS
@given(objs=st.lists(objects().filter(lambda o: isinstance(o, dict)), min_size=1, max_size=4))
@example(objs=[NODE])
@example(objs=[TRAVERSAL])
@example(objs=[ELSEWHERE])
def test_lesson_objects_never_escape_the_lab_namespace(arena: Arena, objs: list[Any]) -> None:
    objs = [placed(obj, arena) for obj in objs]
    before = arena.outside()
    try:
        done = apply_objects(arena.client, objs, arena.grading, "fuzz.yaml")
    except ActionFailed as exc:
        assert str(exc).startswith("fuzz.yaml: "), exc
    except ClusterError as exc:
        assert exc.message and "Traceback" not in exc.message
    else:
        assert len(done) == len(objs)
    after = arena.outside()
    changed = arena.changes(before, after)
    assert not changed, f"a lesson's objects changed objects outside its namespace: {changed}"
