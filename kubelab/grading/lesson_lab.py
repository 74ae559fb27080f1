"""Each lesson in a namespace of its own, and bringing that namespace to the start of a step.

A lab has one lab namespace (`default` on the simulator and kind, `kubelab-<user>` on a borrowed
context). Lesson `dns` runs in `kubelab-dns` where the lab namespace is `default`, else in
`<lab namespace>-dns`, so whatever one lesson leaves behind never changes another, and a finished
lesson keeps its end state. The lesson's namespace becomes the namespace of kubelab's own
kubeconfig context when the lesson starts (`point_kubeconfig`), so kubectl typed without `-n`
lands there.

Starting a lesson (or resetting it, or a step of it) never merges into what is there: the
namespace is emptied (a lesson's own is deleted and created again; `default`, which the API never
deletes, and the lab namespace lose every namespaced object a lesson or learner makes, keeping what
the cluster itself keeps there such as the `kubernetes` Service; someone else's is refused), then
the actions that lead to the start of the step are applied: `actions_to_step` is the one place
that says what they are.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Mapping

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import (
    LAB_LABEL,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ClusterError,
    LabCluster,
)
from kubelab.cluster.context import is_managed
from kubelab.grading.actions import KubeconfigClient, apply_actions, wait_namespace_gone
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.context import ClusterApi
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.model import Actions, Lesson, step_start_actions
from kubelab.objects import Obj

UNDELETABLE = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})
"""Namespaces the API server refuses to delete."""

# What a lesson or a learner makes in a namespace, in the order it is emptied (owners first, so
# their controllers do not make new pods while the pods go). What the cluster itself keeps there
# (the `kubernetes` Service and its endpoints in `default`, the root CA ConfigMap, the default
# ServiceAccount) is left alone.
EMPTIED_KINDS: tuple[tuple[str, str], ...] = (
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("v1", "ReplicationController"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("v1", "Endpoints"),
    ("discovery.k8s.io/v1", "EndpointSlice"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "ServiceAccount"),
)
_KEPT_NAMES: Mapping[str, frozenset[str]] = {
    "Service": frozenset({"kubernetes"}),
    "Endpoints": frozenset({"kubernetes"}),
    "EndpointSlice": frozenset({"kubernetes"}),
    "ConfigMap": frozenset({"kube-root-ca.crt"}),
    "ServiceAccount": frozenset({"default"}),
}
_KEPT_SLICE_OWNER = "kubernetes"
MAX_NAMESPACE = 63


def lesson_namespace(lab_namespace: str, lesson_id: str) -> str:
    """The namespace lesson `lesson_id` runs in, in a lab whose namespace is `lab_namespace`."""
    prefix = "kubelab" if lab_namespace in UNDELETABLE else lab_namespace
    name = f"{prefix}-{lesson_id}"
    if len(name) <= MAX_NAMESPACE:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_NAMESPACE - 9].rstrip('-')}-{digest}"


def lesson_lab(lab: LabCluster, lesson_id: str) -> LabCluster:
    """`lab` as lesson `lesson_id` sees it: its namespace is the lesson's."""
    return dataclasses.replace(lab, namespace=lesson_namespace(lab.namespace, lesson_id))


def point_kubeconfig(lab: LabCluster, namespace: str) -> None:
    """kubectl with kubelab's kubeconfig (no `-n`) now acts in `namespace`."""
    try:
        kc.point_context(lab.kubeconfig, lab.context, namespace)
    except OSError as exc:
        raise ClusterError(
            f"cannot update kubelab's kubeconfig {lab.kubeconfig}: {exc.strerror or exc}"
        ) from exc


def ensure_lesson_namespace(client: ClusterApi, namespace: str, lab_namespace: str) -> None:
    """Create the lesson's namespace (labelled as kubelab's, and with the lab it belongs to);
    one that exists and is not kubelab's belongs to someone else and is refused."""
    existing = client.get("v1", "Namespace", namespace)
    if existing is not None:
        if is_managed(existing) or namespace == lab_namespace:
            return
        raise ClusterError(
            f"namespace {namespace} exists and was not created by kubelab (no "
            f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label), so no lesson runs in it",
            hint="pick another lab namespace with --namespace NAME",
        )
    labels = {MANAGED_BY_LABEL: MANAGED_BY_VALUE, LAB_LABEL: lab_namespace}
    client.ensure_namespace(namespace, labels)


def clear_namespace(
    client: ClusterApi, namespace: str, lab_namespace: str, timeout: float = 60.0
) -> str:
    """Leave `namespace` with nothing a lesson or learner made in it; what was done. A lesson's
    namespace is deleted and created again; one the API cannot delete (`default`) and the lab
    namespace itself are emptied object by object; one kubelab did not create is refused."""
    existing = client.get("v1", "Namespace", namespace)
    if existing is None:
        ensure_lesson_namespace(client, namespace, lab_namespace)
        return f"created namespace {namespace}"
    if namespace in UNDELETABLE or namespace == lab_namespace:
        removed = empty_namespace(client, namespace, timeout)
        return f"emptied namespace {namespace} ({removed} object(s) deleted)"
    ensure_lesson_namespace(client, namespace, lab_namespace)  # refuses someone else's
    client.delete_namespace(namespace)
    wait_namespace_gone(client, namespace, timeout)
    ensure_lesson_namespace(client, namespace, lab_namespace)
    return f"recreated namespace {namespace}"


def _kept(kind: str, obj: Obj) -> bool:
    metadata = obj.get("metadata") or {}
    if metadata.get("name") in _KEPT_NAMES.get(kind, frozenset()):
        return True
    if kind == "EndpointSlice":
        owner = (metadata.get("labels") or {}).get("kubernetes.io/service-name")
        return owner == _KEPT_SLICE_OWNER
    if kind == "Secret":
        # a ServiceAccount's token is the cluster's, deleted with its account
        return obj.get("type") == "kubernetes.io/service-account-token"
    return False


def _doomed(client: ClusterApi, namespace: str) -> list[tuple[str, str, str]]:
    """(apiVersion, kind, name) of what emptying `namespace` deletes and is still there."""
    found: list[tuple[str, str, str]] = []
    for api_version, kind in EMPTIED_KINDS:
        try:
            objects = client.list(api_version, kind, namespace)
        except ApiRejected as exc:
            if exc.status_code == 404:  # a kind this cluster does not serve
                continue
            raise
        for obj in objects:
            if not _kept(kind, obj):
                found.append((api_version, kind, str(obj["metadata"]["name"])))
    return found


def empty_namespace(client: ClusterApi, namespace: str, timeout: float = 60.0) -> int:
    """Delete every object a lesson or learner makes in `namespace` and wait until they are gone
    (pods terminating included); how many were deleted."""
    doomed = _doomed(client, namespace)
    for api_version, kind, name in doomed:
        client.delete(api_version, kind, name, namespace, grace_period_seconds=0)
    deadline = time.monotonic() + timeout
    while True:
        left = _doomed(client, namespace)
        if not left:
            return len(doomed)
        if time.monotonic() > deadline:
            shown = ", ".join(f"{kind}/{name}" for _, kind, name in left[:5])
            raise ClusterError(
                f"namespace {namespace} was not emptied within {timeout:g}s: {shown}"
            )
        for api_version, kind, name in left:
            if (api_version, kind, name) not in doomed:  # made since: a controller's new pod
                client.delete(api_version, kind, name, namespace, grace_period_seconds=0)
        time.sleep(0.1)


def actions_to_step(
    lesson: Lesson, step_id: str | None = None, *, own_setup: bool = True
) -> list[tuple[str, Actions]]:
    """The actions that bring an empty namespace to the start of step `step_id` (default: the
    first step), in order, each with what it is: the lesson's setup, then for every earlier step
    its own setup and its solution, then this step's own setup (the order of
    `step_start_actions`). `own_setup=False` leaves out this step's own setup, for a caller that
    applies it itself when the learner reaches the step."""
    target = lesson.steps[0].id if step_id is None else step_id
    index = lesson.step_index(target)
    names = ["the lesson's setup"]
    for step in lesson.steps[:index]:
        names += [f"the setup of step {step.id}", f"the solution of step {step.id}"]
    names.append(f"the setup of step {target}")
    plan = list(zip(names, step_start_actions(lesson, target), strict=True))
    plan = plan if own_setup else plan[:-1]
    return [(name, actions) for name, actions in plan if actions.manifests or actions.commands]


def prepare_step(
    client: KubeconfigClient,
    loaded: LoadedLesson,
    step_id: str | None,
    bindings: Mapping[str, str | int],
    lab_namespace: str,
    *,
    timeout: float = 60.0,
    own_setup: bool = True,
) -> list[str]:
    """Bring the lesson's namespace (`bindings["namespace"]`) to the start of step `step_id`
    (default: the first): empty it, then apply `actions_to_step`. What was done, one line each.
    Raises ActionFailed, LessonLoadError or ClusterError."""
    namespace = str(bindings["namespace"])
    done = [clear_namespace(client, namespace, lab_namespace, timeout)]
    for _, actions in actions_to_step(loaded.lesson, step_id, own_setup=own_setup):
        done.extend(apply_actions(client, loaded, actions, bindings))
    return done


def _bindings_fit(lesson: Lesson, namespace: str, previous: Mapping[str, str | int]) -> bool:
    """Whether `previous` bindings were made for `namespace` and hold every value `lesson`
    needs (so the lesson can go on with them)."""
    wanted = {binding.name for binding in lesson.bindings}
    return previous.get("namespace") == namespace and wanted <= set(previous)


def lesson_bindings(
    client: ClusterApi, lab: LabCluster, lesson: Lesson, previous: Mapping[str, str | int]
) -> dict[str, str | int]:
    """The values lesson `lesson` runs with in `lab` (the lesson's lab: its namespace is the
    lesson's): `previous` ones when they were made for this namespace, else newly allocated."""
    if _bindings_fit(lesson, lab.namespace, previous):
        return dict(previous)
    return allocate_bindings(client, lesson, lab.namespace, cluster=lab)


def start_lesson(
    client: KubeconfigClient,
    lab: LabCluster,
    loaded: LoadedLesson,
    previous: Mapping[str, str | int],
    step_id: str | None = None,
    *,
    own_setup: bool = True,
) -> tuple[dict[str, str | int], list[str]]:
    """Set the lesson up in its own namespace at the start of step `step_id` (default: the
    first), whatever was there, and point kubelab's kubeconfig at it. `lab` is the lab cluster
    (its lab namespace); returns the lesson's bindings and what was done."""
    own = lesson_lab(lab, loaded.lesson.id)
    bindings = lesson_bindings(client, own, loaded.lesson, previous)
    try:
        done = prepare_step(client, loaded, step_id, bindings, lab.namespace, own_setup=own_setup)
    finally:
        release_bindings(bindings)
    point_kubeconfig(lab, own.namespace)
    return bindings, done


def resume_lesson(
    client: KubeconfigClient,
    lab: LabCluster,
    loaded: LoadedLesson,
    previous: Mapping[str, str | int],
    step_id: str | None = None,
    *,
    own_setup: bool = True,
) -> tuple[dict[str, str | int], list[str]]:
    """Come back to a lesson: its namespace as the learner left it when it is there (their work
    is theirs), else set up afresh at the start of step `step_id`; kubelab's kubeconfig points
    at it either way."""
    own = lesson_lab(lab, loaded.lesson.id)
    if _bindings_fit(loaded.lesson, own.namespace, previous):
        found = client.get("v1", "Namespace", own.namespace)
        if found is not None and (is_managed(found) or own.namespace == lab.namespace):
            point_kubeconfig(lab, own.namespace)
            return dict(previous), []
    return start_lesson(client, lab, loaded, previous, step_id, own_setup=own_setup)
