"""Grading runs behind `kubelab grade`: the live state of a lab, or a learner's submission.

- `grade_lesson`: grade steps of a lesson against what is in the cluster now.
- `grade_submission` (CI mode for classrooms): a fresh namespace, the lesson's setup, then the
  learner's manifests from a folder (invalid YAML or an object the API refuses is that learner's
  failure, with the parser's or the API's message), then the checks; the namespace is removed.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from kubelab.cluster.api_errors import ApiRejected
from kubelab.cluster.base import MANAGED_BY_LABEL, MANAGED_BY_VALUE, ClusterError, LabCluster
from kubelab.grading.actions import (
    ActionFailed,
    KubeconfigClient,
    apply_actions,
    object_scope_problem,
)
from kubelab.grading.bindings import allocate_bindings, release_bindings
from kubelab.grading.context import GradingError, make_context
from kubelab.grading.engine import grade_step
from kubelab.grading.results import CheckResult, LessonResult, Status, StepResult
from kubelab.grading.selftest import fresh_namespace
from kubelab.lessons.loader import LoadedLesson
from kubelab.lessons.marked_yaml import yaml_error_problem
from kubelab.lessons.problems import LessonLoadError
from kubelab.lessons.render import MissingBinding, substitute_data

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_YAML_NODES = 1_000_000
MAX_FILE_BYTES = 3 * 1024 * 1024  # the API takes no request body larger than this
"""A submitted file may expand (aliases included) to at most this many YAML nodes."""


def grade_lesson(
    cluster: LabCluster,
    loaded: LoadedLesson,
    bindings: Mapping[str, str | int],
    client: KubeconfigClient,
    *,
    step_ids: Sequence[str] | None = None,
    poll: bool = True,
    max_wait: float | None = None,
    recorded: Mapping[str, str | None] | None = None,
) -> LessonResult:
    """Grade `step_ids` (default: every step) against the cluster as it is; `max_wait` caps
    how long each failing check is polled.

    `recorded` (step id -> when the learner passed it, None: not yet) grades the whole lesson
    as a learner's: its end state must hold (the last step's checks and every invariant, graded
    live), while the earlier steps, which later steps may undo, count from that record."""
    lesson = loaded.lesson
    namespace = str(bindings.get("namespace") or cluster.namespace)
    full = {**dict(bindings), "namespace": namespace}
    lab = dataclasses.replace(cluster, namespace=namespace)
    ctx = make_context(client, namespace, full, lab)
    ctx.max_wait = max_wait
    result = LessonResult(lesson.id, lesson.title, namespace=namespace)
    last = lesson.steps[-1].id
    for step in lesson.steps:
        if step_ids is not None and step.id not in step_ids:
            continue
        if recorded is not None and step_ids is None and step.id != last:
            result.steps.append(recorded_step(lab, loaded, step.id, recorded.get(step.id)))
            continue
        result.steps.append(grade_step(lab, loaded, step.id, full, client, poll=poll, context=ctx))
    return result


def recorded_step(
    cluster: LabCluster, loaded: LoadedLesson, step_id: str, passed_at: str | None
) -> StepResult:
    """An earlier step of a lesson graded as a whole: what the learner's progress says."""
    step = loaded.lesson.step(step_id)
    assert step is not None
    result = StepResult(loaded.lesson.id, step.id, step.title)
    missing = cluster.missing(tuple(step.requires))
    status: Status
    if missing:
        status, message = "skipped", "skipped: " + "; ".join(missing)
    elif passed_at:
        status, message = "passed", f"passed at {passed_at} (recorded progress)"
    else:
        status, message = (
            "failed",
            "not passed yet: later steps may undo what this step asks for, so it counts when "
            f"graded while it is the current step (`kubelab grade {loaded.lesson.id}/{step.id}`)",
        )
    result.checks.append(
        CheckResult(
            name=f"step {step.id} passed",
            kind="progress",
            status=status,
            message=message,
            explain="earlier steps count from the learner's recorded progress",
        )
    )
    return result


def manifest_files(directory: Path) -> list[Path]:
    """YAML/JSON files under `directory`, sorted, skipping hidden folders such as .git, .github.
    Linked folders are not walked into; a linked file is listed (and checked before reading)."""
    found = []
    for root, folders, files in os.walk(directory, followlinks=False):
        folders[:] = [name for name in folders if not name.startswith(".")]
        for name in files:
            path = Path(root) / name
            if not name.startswith(".") and path.suffix.lower() in MANIFEST_SUFFIXES:
                found.append(path)
    return sorted(found)


class Unreadable(Exception):
    """A submitted file that is not read; the message says why (after the file's name)."""


def _link_problem(path: Path, directory: Path) -> str | None:
    """Why `path` (a link, say) is not read: it loops, leads nowhere or outside `directory`."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python 3.11's resolve() on a symlink loop
        return "is a link that loops back on itself; it is not read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a link that loops back on itself; it is not read"
        return f"cannot be read: {exc.strerror or exc}"
    if not target.is_relative_to(directory.resolve()):
        return "is a link to a file outside the submission; it is not read"
    return None


def _read_submitted(path: Path) -> str:
    """The text of a submitted file, opened without blocking (a FIFO would wait for a writer
    forever) and read only when it is a regular file of at most `MAX_FILE_BYTES`."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise Unreadable(f"cannot be read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable(f"is not a regular file ({_file_kind(info.st_mode)}); it is not read")
        if info.st_size > MAX_FILE_BYTES:
            raise Unreadable(
                f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB, more than the API "
                "accepts in a request; it is not read"
            )
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise Unreadable(f"grew past {MAX_FILE_BYTES // (1024 * 1024)} MiB while being read")
    return data.decode("utf-8")


def _file_kind(mode: int) -> str:
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ):
        if test(mode):
            return kind
    return "not a file"


class TooManyNodes(ValueError):
    """YAML whose aliases expand to more nodes than a grader should ever build."""


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_nodes:
        raise TooManyNodes("document contains a recursive alias")
    open_nodes.add(key)
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes, open_nodes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        for item_key, item_value in node.value:
            size += _expanded_size(item_key, sizes, open_nodes)
            size += _expanded_size(item_value, sizes, open_nodes)
    open_nodes.discard(key)
    if size > MAX_YAML_NODES:
        raise TooManyNodes(
            f"document contains excessive aliasing (it expands to more than "
            f"{MAX_YAML_NODES:,} nodes)"
        )
    sizes[key] = size
    return size


def load_submitted_yaml(text: str) -> list[Any]:
    """The documents of a submitted file, refusing alias bombs before anything is expanded
    (as the Kubernetes API server's decoder does) and nesting too deep to parse."""
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
        sizes: dict[int, int] = {}
        for node in nodes:
            if node is not None:
                _expanded_size(node, sizes, set())
        return [doc for doc in yaml.safe_load_all(text) if doc]
    except RecursionError:
        raise TooManyNodes("document is nested too deeply") from None


def _file_result(name: str, status: Status, message: str) -> CheckResult:
    return CheckResult(
        name=f"apply {name}",
        kind="submission",
        status=status,
        message=message,
        explain="the submitted manifests must be valid YAML that the API accepts",
        weight=0.0,
    )


def _path_segment_problem(name: str) -> str | None:
    """apimachinery's IsValidPathSegmentName: what no object name may be (the API server says
    so too; kubelab's client refuses to build such a URL at all)."""
    if name in (".", ".."):
        return f"may not be '{name}'"
    for bad in ("/", "%"):
        if bad in name:
            return f"may not contain '{bad}'"
    return None


def _apply_documents(
    client: KubeconfigClient, docs: list[Any], name: str, namespace: str
) -> tuple[list[str], str | None]:
    """Apply one file's documents into `namespace` in order, up to the first that is refused:
    what was applied (`Kind/name`), and the problem that stopped it (None: every one applied)."""
    applied: list[str] = []
    for doc in docs:
        if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
            return applied, f"{name}: a document is not a Kubernetes object (apiVersion, kind)"
        if doc["kind"] == "Namespace":
            continue  # graded in a namespace of kubelab's own
        metadata = doc.get("metadata")
        if not isinstance(metadata, dict) or not metadata.get("name"):
            return applied, f"{name}: a {doc['kind']} without metadata.name"
        metadata["namespace"] = namespace
        described = f"{doc['kind']}/{metadata['name']}"
        bad_name = _path_segment_problem(str(metadata["name"]))
        if bad_name is not None:
            return applied, f"{name}: {described} is invalid: metadata.name {bad_name}"
        scope = object_scope_problem(client, doc, namespace)
        if scope is not None:
            return applied, f"{name}: {scope}; a submission holds namespaced objects only"
        try:
            client.apply(doc, namespace)
        except ApiRejected as exc:
            return applied, f"{name}: {described} was refused by the API: {exc.message}"
        applied.append(described)
    return applied, None


def apply_submission(
    client: KubeconfigClient,
    directory: Path,
    namespace: str,
    bindings: Mapping[str, str | int],
) -> StepResult:
    """Apply every manifest of a submission into `namespace`; one result per file."""
    step = StepResult("", "submission", f"apply the submission in {directory}")
    files = manifest_files(directory)
    if not files:
        step.checks.append(
            _file_result(str(directory), "failed", "no .yaml, .yml or .json files found")
        )
        return step
    for path in files:
        name = str(path.relative_to(directory))
        started = time.monotonic()
        problem = _link_problem(path, directory)
        if problem is not None:
            step.checks.append(_file_result(name, "failed", f"{name} {problem}"))
            continue
        try:
            docs = load_submitted_yaml(_read_submitted(path))
            docs = substitute_data(docs, bindings)
        except Unreadable as exc:
            step.checks.append(_file_result(name, "failed", f"{name} {exc}"))
            continue
        except yaml.YAMLError as exc:
            located = yaml_error_problem(exc, Path(name))
            step.checks.append(_file_result(name, "failed", str(located)))
            continue
        except (UnicodeDecodeError, MissingBinding, TooManyNodes) as exc:
            step.checks.append(_file_result(name, "failed", f"{name} is not valid YAML: {exc}"))
            continue
        applied, problem = _apply_documents(client, docs, name, namespace)
        result = _file_result(
            name,
            "failed" if problem else "passed",
            problem or f"applied {', '.join(applied) or 'nothing'}",
        )
        result.duration = time.monotonic() - started
        step.checks.append(result)
    return step


def grade_submission(
    cluster: LabCluster,
    loaded: LoadedLesson,
    directory: Path,
    make_client: Callable[[str], KubeconfigClient],
    *,
    step_ids: Sequence[str] | None = None,
    keep_namespace: bool = False,
) -> LessonResult:
    lesson = loaded.lesson
    namespace = fresh_namespace(lesson.id, prefix="kl-grade")
    client = make_client(namespace)
    bindings: dict[str, str | int] = {"namespace": namespace}
    result = LessonResult(lesson.id, lesson.title, namespace=namespace)
    try:
        client.ensure_namespace(namespace, {MANAGED_BY_LABEL: MANAGED_BY_VALUE})
        bindings = allocate_bindings(client, lesson, namespace, cluster=cluster)
        try:
            apply_actions(client, loaded, lesson.setup, bindings)
        except (ActionFailed, LessonLoadError) as exc:
            raise GradingError(f"the lesson's setup cannot be applied: {exc}") from exc
        submitted = apply_submission(client, directory, namespace, bindings)
        submitted.lesson_id = lesson.id
        graded = grade_lesson(cluster, loaded, bindings, client, step_ids=step_ids)
        result.steps = [submitted, *graded.steps]
    except (ClusterError, GradingError) as exc:
        failed = StepResult(lesson.id, "setup", "setup")
        failed.checks.append(
            CheckResult("prepare the grading namespace", "action", "error", str(exc))
        )
        result.steps.insert(0, failed)
    finally:
        release_bindings(bindings)
        if not keep_namespace:
            try:
                client.delete_namespace(namespace)
            except ClusterError as exc:
                note = StepResult(lesson.id, "cleanup", "cleanup")
                note.checks.append(
                    CheckResult(f"delete namespace {namespace}", "action", "error", str(exc))
                )
                result.steps.append(note)
        close: Any = getattr(client, "close", None)
        if callable(close):
            close()
    return result
