"""Applying a lesson's actions (setup, solutions: "apply for me") and resetting a step or lesson.

Manifests go through the Kubernetes API (server-side apply); commands are kubectl argument lists
run without a shell, always against the lab's kubeconfig and namespace.

A lesson acts in its lab namespace only (on a borrowed `context:` cluster other namespaces belong
to other people): a manifest object naming another namespace, a cluster-scoped object, and a
command that picks another namespace, all namespaces, another cluster or identity, or that acts
on namespaces or nodes, are refused (ActionFailed) before anything is sent.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError
from kubelab.cluster.kubectl import run_kubectl
from kubelab.grading.context import ClusterApi
from kubelab.lessons.command_scope import command_scope_problem
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.model import Actions, step_start_actions
from kubelab.lessons.render import MissingBinding, substitute
from kubelab.objects import Obj

LAB_LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


class ActionFailed(Exception):
    """An action could not be applied: the API refused an object or a kubectl command failed."""


class KubeconfigClient(ClusterApi, Protocol):
    kubeconfig: Path
    context: str | None


def _describe(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def object_scope_problem(client: ClusterApi, obj: Mapping[str, Any], namespace: str) -> str | None:
    """Why `obj` may not be applied in the lab namespace `namespace` (None: it may)."""
    metadata = obj.get("metadata") or {}
    named = metadata.get("namespace") if isinstance(metadata, Mapping) else None
    if named and named != namespace:
        return (
            f"{_describe(obj)} names namespace {named}; a lesson acts in its lab namespace "
            f"({namespace}) only"
        )
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if isinstance(api_version, str) and isinstance(kind, str):
        try:
            namespaced = client.is_namespaced(api_version, kind)
        except ApiRejected as exc:
            return f"{_describe(obj)}: {exc.message}"
        if not namespaced:
            return f"{_describe(obj)} is cluster-scoped; only namespaced objects are applied"
    return None


def apply_objects(client: ClusterApi, objects: list[Obj], namespace: str, source: str) -> list[str]:
    """Server-side apply each object; a refusal raises ActionFailed with the API's message."""
    for obj in objects:
        problem = object_scope_problem(client, obj, namespace)
        if problem is not None:
            raise ActionFailed(f"{source}: {problem}")
    done: list[str] = []
    for obj in objects:
        body = with_last_applied(obj, namespace)
        try:
            done.append(f"{_apply_or_recreate(client, body, namespace)} from {source}")
        except ApiRejected as exc:
            raise ActionFailed(f"{source}: {_describe(obj)} was refused: {exc.message}") from exc
    return done


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_IMMUTABLE = (
    "field is immutable",
    "may not change",
    "may not be changed",
    "cannot be changed",
    "pod updates may not change",
)
RECREATE_TIMEOUT = 60.0


def with_last_applied(obj: Mapping[str, Any], namespace: str) -> Obj:
    """`obj` in the lab namespace carrying kubectl's last-applied-configuration annotation (the
    object as written, as `kubectl apply` records it), so the learner's next `kubectl apply -f`
    of an edited file removes what they removed instead of merging."""
    body: Obj = copy.deepcopy(dict(obj))
    metadata = body.setdefault("metadata", {})
    metadata["namespace"] = namespace
    annotations = {
        k: v for k, v in (metadata.get("annotations") or {}).items() if k != LAST_APPLIED
    }
    record = copy.deepcopy(body)
    if annotations:
        record["metadata"]["annotations"] = annotations
    else:
        record["metadata"].pop("annotations", None)
    annotations[LAST_APPLIED] = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    metadata["annotations"] = annotations
    return body


def _apply_or_recreate(client: ClusterApi, obj: Obj, namespace: str) -> str:
    """Apply `obj`; when the API refuses because a field cannot change (a Deployment's selector,
    a Pod's spec, a clusterIP), delete the object and create it from `obj`, as
    `kubectl replace --force` does. What was done, for the learner."""
    try:
        client.apply(obj, namespace)
    except ApiRejected as exc:
        if exc.status_code != 422 or not any(text in exc.message for text in _IMMUTABLE):
            raise
        why = exc.message
    else:
        return f"applied {_describe(obj)}"
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    name = str(obj["metadata"]["name"])
    client.delete(api_version, kind, name, namespace, grace_period_seconds=0)
    deadline = time.monotonic() + RECREATE_TIMEOUT
    while client.get(api_version, kind, name, namespace) is not None:
        if time.monotonic() > deadline:
            raise ClusterError(
                f"{_describe(obj)} was not deleted within {RECREATE_TIMEOUT:g}s, so it cannot "
                "be created again with fields that may not change"
            )
        time.sleep(0.1)
    client.apply(obj, namespace)
    return f"recreated {_describe(obj)} (a field that cannot change differed: {why[:200]})"


def _with_namespace(argv: list[str], namespace: str, context: str | None) -> list[str]:
    """The lab's `--namespace` and `--context` in front of a lesson's kubectl argv (the command
    has been checked with `command_scope_problem`)."""
    args = list(argv[1:] if argv and argv[0] == "kubectl" else argv)
    extra = [f"--namespace={namespace}"]
    if context:
        extra.append(f"--context={context}")
    return extra + args


def run_command(
    client: KubeconfigClient, argv: list[str], namespace: str, timeout: float = 60.0
) -> str:
    shown = " ".join(argv)
    problem = command_scope_problem(argv[1:] if argv and argv[0] == "kubectl" else argv, namespace)
    if problem is not None:
        raise ActionFailed(f"`{shown}` is refused: {problem}")
    args = _with_namespace(argv, namespace, client.context)
    done = run_kubectl(args, kubeconfig=client.kubeconfig, timeout=timeout)
    if done.returncode != 0:
        raise ActionFailed(f"`{shown}` failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def apply_actions(
    client: KubeconfigClient,
    loaded: LoadedLesson,
    actions: Actions,
    bindings: Mapping[str, str | int],
) -> list[str]:
    """Apply manifests (API) then run commands (kubectl argv); what was done, one line each.

    Raises ActionFailed when the cluster refuses something, LessonLoadError for a broken manifest.
    """
    namespace = str(bindings.get("namespace") or client.namespace)
    done: list[str] = []
    for rel in actions.manifests:
        objects = read_manifest_docs(loaded.manifest_path(rel), bindings)
        done.extend(apply_objects(client, objects, namespace, rel))
    for argv in actions.commands:
        try:
            filled = [substitute(arg, bindings) for arg in argv]
        except MissingBinding as exc:
            raise ActionFailed(str(exc)) from exc
        run_command(client, filled, namespace)
        done.append("ran " + " ".join(filled))
    return done


def wait_namespace_gone(client: ClusterApi, namespace: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("v1", "Namespace", namespace) is not None:
        if time.monotonic() > deadline:
            raise ClusterError(f"namespace {namespace} was not deleted within {timeout:g}s")
        time.sleep(0.1)


def reset_lesson(
    client: KubeconfigClient,
    loaded: LoadedLesson,
    bindings: Mapping[str, str | int],
    *,
    timeout: float = 60.0,
) -> list[str]:
    """Start the lesson over: empty the lab namespace (delete and recreate it), apply setup."""
    namespace = str(bindings.get("namespace") or client.namespace)
    client.delete_namespace(namespace)
    wait_namespace_gone(client, namespace, timeout)
    client.ensure_namespace(namespace, LAB_LABELS)
    return apply_actions(client, loaded, loaded.lesson.setup, bindings)


def reset_step(
    client: KubeconfigClient,
    loaded: LoadedLesson,
    step_id: str,
    bindings: Mapping[str, str | int],
    *,
    timeout: float = 60.0,
) -> list[str]:
    """Put the cluster back as it was when the step began: the lesson reset, then each earlier
    step's own setup and solution, then this step's own setup (`step_start_actions`)."""
    actions = list(step_start_actions(loaded.lesson, step_id))
    done = reset_lesson(client, loaded, bindings, timeout=timeout)
    for action in actions[1:]:  # the first is the lesson's setup, which the reset applied
        done.extend(apply_actions(client, loaded, action, bindings))
    return done
