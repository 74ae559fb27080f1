"""Applying a lesson's actions (setup, solutions: "apply for me"); `lesson_lab` resets.

Manifests go through the Kubernetes API (server-side apply); commands are kubectl argument lists
run without a shell, always against the lab's kubeconfig and namespace.

A lesson acts in its lab namespace only (on a borrowed `context:` cluster other namespaces belong
to other people): a manifest object naming another namespace or a cluster-scoped object is
refused (ActionFailed) before anything is sent, and so is a command with any part that is not
on the allowed lists of `kubelab.lessons.kubectl_policy` (checked again here, right before it
runs, though the loader already refused it). kubectl runs against a private read-only copy of
the lab's kubeconfig.
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError
from kubelab.cluster.kubectl import run_kubectl
from kubelab.grading.context import ClusterApi
from kubelab.lessons.kubectl_policy import command_problem
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.model import Actions
from kubelab.lessons.render import MissingBinding, substitute
from kubelab.objects import Obj

LAB_LABELS = {MANAGED_BY_LABEL: MANAGED_BY_VALUE}


class ActionFailed(Exception):
    """An action could not be applied: the API refused an object or a kubectl command failed."""


class KubeconfigClient(ClusterApi, Protocol):
    kubeconfig: Path
    context: str | None


def _describe(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata")
    name = metadata.get("name", "?") if isinstance(metadata, Mapping) else "?"
    return f"{obj.get('kind', '?')}/{name}"


def object_shape_problem(obj: object) -> str | None:
    """Why `obj` is not an object kubelab can apply (None: it is). A lesson's manifest may hold
    anything YAML can say; what is applied needs apiVersion, kind and metadata.name as non-empty
    strings, and metadata and its annotations as mappings (the last-applied record is added to
    them)."""
    if not isinstance(obj, Mapping):
        return "a document is not a Kubernetes object (apiVersion, kind, metadata)"
    for key in ("apiVersion", "kind"):
        value = obj.get(key)
        if not isinstance(value, str) or not value:
            return f"{_describe(obj)} has no {key} (a string)"
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping):
        return f"{_describe(obj)} has no metadata (a mapping)"
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        return f"a {obj['kind']} has no metadata.name (a string)"
    annotations = metadata.get("annotations")
    if annotations is not None and not isinstance(annotations, Mapping):
        return f"{_describe(obj)}: metadata.annotations is not a mapping"
    return None


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
    """Server-side apply each object; a refusal raises ActionFailed with the API's message, and
    so does an object that is malformed or out of the lab namespace, before any is sent."""
    for obj in objects:
        problem = object_shape_problem(obj) or object_scope_problem(client, obj, namespace)
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
    """Apply `obj`; when the API refuses it because of what is already there, delete the object
    and create it from `obj`, as `kubectl replace --force` does. What is there may have a field
    that cannot change (a Deployment's selector, a Pod's spec, a clusterIP), or fields another
    writer owns that server-side apply keeps and merges with `obj` (the learner's port 8080 from
    `kubectl apply` beside the manifest's port 80: "spec.ports[0].name: Required value"): what
    kubelab applies is recreated as written, never merged. What was done, for the learner."""
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    name = str(obj["metadata"]["name"])
    try:
        client.apply(obj, namespace)
    except ApiRejected as exc:
        if exc.status_code != 422:
            raise
        immutable = any(text in exc.message for text in _IMMUTABLE)
        if not immutable and client.get(api_version, kind, name, namespace) is None:
            raise  # nothing there to merge with: `obj` itself is refused
        why = exc.message
    else:
        return f"applied {_describe(obj)}"
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
    return f"recreated {_describe(obj)} (applying it over what was there was refused: {why[:200]})"


def command_scope_problem(args: list[str], namespace: str) -> str | None:
    """Why a lesson's kubectl command (argv without `kubectl`) may not run in the lab namespace
    `namespace` (None: every part of it is on the allowed lists of `kubectl_policy`)."""
    problem = command_problem(["kubectl", *args], namespace)
    return None if problem is None else problem.message


@contextlib.contextmanager
def private_kubeconfig(kubeconfig: Path) -> Iterator[Path]:
    """A read-only copy of `kubeconfig` in a private folder, removed afterwards: what a lesson's
    kubectl runs against, so not even a command that slipped past the checks can change
    kubelab's own kubeconfig for later commands."""
    with tempfile.TemporaryDirectory(prefix="kubelab-kubectl-") as folder:
        copy_path = Path(folder) / "kubeconfig"
        try:
            shutil.copyfile(kubeconfig, copy_path)
        except OSError as exc:
            raise ClusterError(f"cannot read the kubeconfig {kubeconfig}: {exc}") from exc
        copy_path.chmod(0o400)
        Path(folder).chmod(0o500)
        try:
            yield copy_path
        finally:
            Path(folder).chmod(0o700)  # so the folder can be removed


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
    with private_kubeconfig(client.kubeconfig) as kubeconfig:
        done = run_kubectl(args, kubeconfig=kubeconfig, timeout=timeout)
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
