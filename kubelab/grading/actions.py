"""Applying a lesson's actions (setup, solutions: "apply for me"); `lesson_lab` resets.

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


# kubectl's global flags that point a command at another cluster or identity
_ELSEWHERE_FLAGS = frozenset(
    {
        "--kubeconfig",
        "--context",
        "--cluster",
        "--server",
        "-s",
        "--token",
        "--user",
        "--username",
        "--password",
        "--as",
        "--as-group",
        "--as-uid",
        "--certificate-authority",
        "--client-certificate",
        "--client-key",
        "--insecure-skip-tls-verify",
        "--tls-server-name",
    }
)
_ALL_NAMESPACES = frozenset({"-A", "--all-namespaces"})
_NAMESPACE_FLAGS = frozenset({"-n", "--namespace"})
_CLUSTER_TARGETS = frozenset({"namespace", "namespaces", "ns", "node", "nodes", "no"})
_NODE_VERBS = frozenset({"cordon", "uncordon", "drain", "taint"})
_READ_VERBS = frozenset({"get", "describe", "explain", "top", "api-resources", "version"})


def command_scope_problem(args: list[str], namespace: str) -> str | None:
    """Why a lesson's kubectl command (argv without `kubectl`) would act outside the lab
    namespace `namespace` (None: it stays inside). Arguments after `--` belong to a command run
    in a pod (`kubectl exec POD -- ...`) and are not kubectl's."""
    own = args[: args.index("--")] if "--" in args else args
    verb: str | None = None
    index = 0
    while index < len(own):
        arg = own[index]
        name, has_value, value = arg.partition("=")
        if name in _ELSEWHERE_FLAGS:
            return f"{name} points kubectl at another cluster or identity"
        if name in _ALL_NAMESPACES:
            if not has_value or value.lower() not in ("false", "0"):
                return f"{name} acts in every namespace"
        elif name in _NAMESPACE_FLAGS or (arg.startswith("-n") and not arg.startswith("--")):
            if name in _NAMESPACE_FLAGS and not has_value:
                index += 1
                value = own[index] if index < len(own) else ""
            elif not has_value:
                value = arg[2:]  # -nNAME
            if value != namespace:
                return f"{arg} picks namespace {value or '(none)'}, not the lab namespace"
        elif not arg.startswith("-"):
            if verb is None:
                verb = arg
                if verb in _NODE_VERBS:
                    return f"`kubectl {verb}` acts on nodes"
            elif verb not in _READ_VERBS:
                resource = arg.split("/", 1)[0].lower()
                kinds = {part.split(".", 1)[0] for part in resource.split(",")}
                if kinds & _CLUSTER_TARGETS:
                    return f"`kubectl {verb} {arg}`: a lesson does not change namespaces or nodes"
        index += 1
    return None


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
