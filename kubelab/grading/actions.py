"""Applying a lesson's actions (setup, solutions: "apply for me") and resetting a step or lesson.

Manifests go through the Kubernetes API (server-side apply); commands are kubectl argument lists
run without a shell, always against the lab's kubeconfig and namespace.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError
from kubelab.cluster.client import ApiRejected
from kubelab.cluster.kubectl import run_kubectl
from kubelab.grading.context import ClusterApi
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.model import Actions
from kubelab.lessons.render import MissingBinding, substitute

LAB_LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


class ActionFailed(Exception):
    """An action could not be applied: the API refused an object or a kubectl command failed."""


class KubeconfigClient(ClusterApi, Protocol):
    kubeconfig: Path
    context: str | None


def _describe(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind', '?')}/{(obj.get('metadata') or {}).get('name', '?')}"


def apply_objects(
    client: ClusterApi, objects: list[dict[str, Any]], namespace: str, source: str
) -> list[str]:
    """Server-side apply each object; a refusal raises ActionFailed with the API's message."""
    done: list[str] = []
    for obj in objects:
        try:
            client.apply(obj, namespace)
        except ApiRejected as exc:
            raise ActionFailed(f"{source}: {_describe(obj)} was refused: {exc.message}") from exc
        done.append(f"applied {_describe(obj)} from {source}")
    return done


def _with_namespace(argv: list[str], namespace: str, context: str | None) -> list[str]:
    args = list(argv[1:] if argv and argv[0] == "kubectl" else argv)
    has_ns = any(
        a in ("-n", "--namespace", "-A", "--all-namespaces") or a.startswith("--namespace=")
        for a in args
    )
    extra = [] if has_ns else [f"--namespace={namespace}"]
    if context and not any(a.startswith("--context") for a in args):
        extra.append(f"--context={context}")
    return extra + args


def run_command(
    client: KubeconfigClient, argv: list[str], namespace: str, timeout: float = 60.0
) -> str:
    args = _with_namespace(argv, namespace, client.context)
    done = run_kubectl(args, kubeconfig=client.kubeconfig, timeout=timeout)
    if done.returncode != 0:
        shown = " ".join(argv)
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
    """Put the cluster back as it was when the step began: the lesson reset, then the solutions
    of every earlier step applied."""
    ids = [s.id for s in loaded.lesson.steps]
    if step_id not in ids:
        raise KeyError(f"lesson {loaded.lesson.id} has no step {step_id!r}")
    done = reset_lesson(client, loaded, bindings, timeout=timeout)
    for step in loaded.lesson.steps[: ids.index(step_id)]:
        done.extend(apply_actions(client, loaded, step.solution, bindings))
    return done
