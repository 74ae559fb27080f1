"""A learner's submission (`kubelab grade --submission DIR`): its manifest files read safely and
applied into the grading namespace, one check result per file.

Invalid YAML or an object the API refuses is that learner's failure, with the parser's message
(file:line:col) or the API's. Objects are applied where kubelab grades, not where they say: a
`Namespace` document is dropped and an object naming another namespace is moved into the grading
namespace; both are recorded (`SubmissionNotes`) so reports list them. Where each applied object
came from (file and line) is kept, so reports can point at it.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubelab.cluster.api_errors import ApiRejected
from kubelab.grading.actions import KubeconfigClient, object_scope_problem
from kubelab.grading.results import (
    Adjustment,
    CheckResult,
    Location,
    Status,
    StepResult,
    SubmissionNotes,
)
from kubelab.lessons.marked_yaml import yaml_error_problem
from kubelab.lessons.render import MissingBinding, substitute_data
from kubelab.lessons.yaml_size import TooManyNodes, check_expansion

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
MAX_YAML_NODES = 1_000_000
"""A submitted file may expand (aliases included) to at most this many YAML nodes."""
MAX_FILE_BYTES = 3 * 1024 * 1024
"""The largest submitted file read: the API takes no request body larger than this."""


@dataclass
class Document:
    """One submitted YAML document and the line (1-based) it starts on."""

    data: Any
    line: int


@dataclass
class SubmissionStep(StepResult):
    """The step that applies a submission: a check per file, plus where each applied object came
    from (`(kind, name)` -> file and line) and what was not applied as written."""

    objects: dict[tuple[str, str], Location] = field(default_factory=dict)
    notes: SubmissionNotes = field(default_factory=lambda: SubmissionNotes(""))


class SubmittedYamlError(ValueError):
    """A submitted file that is not valid YAML: `file:line:col: problem`, and the line."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


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


def _path_segment_problem(name: str) -> str | None:
    """apimachinery's IsValidPathSegmentName: what no object name may be (the API server says
    so too; kubelab's client refuses to build such a URL at all)."""
    if name in (".", ".."):
        return f"may not be '{name}'"
    for bad in ("/", "%"):
        if bad in name:
            return f"may not contain '{bad}'"
    return None


def load_submitted_yaml(text: str) -> list[Any]:
    """The documents of a submitted file (see `load_documents`)."""
    return [document.data for document in load_documents(text)]


def load_documents(text: str, name: str = "<submission>") -> list[Document]:
    """The non-empty documents of a submitted file with the line each starts on, refusing alias
    bombs before anything is expanded (as the Kubernetes API server's decoder does) and nesting
    too deep to parse. Invalid YAML is a SubmittedYamlError located at `name:line:col`."""
    documents: list[Document] = []
    loader = yaml.SafeLoader(text)
    try:
        nodes = []
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                check_expansion(node, MAX_YAML_NODES)
                nodes.append(node)
        for node in nodes:
            data = loader.construct_document(node)
            if data:
                documents.append(Document(data, node.start_mark.line + 1))
    except RecursionError:
        raise TooManyNodes("document is nested too deeply") from None
    except yaml.YAMLError as exc:
        # located where a learner fixes it: at the bracket or quote never closed, if one is
        located = yaml_error_problem(exc, Path(name))
        raise SubmittedYamlError(str(located), located.line) from None
    finally:
        loader.dispose()
    return documents


def _file_result(
    name: str, status: Status, message: str, location: Location | None = None
) -> CheckResult:
    return CheckResult(
        name=f"apply {name}",
        kind="submission",
        status=status,
        message=message,
        explain="the submitted manifests must be valid YAML that the API accepts",
        location=location,
    )


def _placed(
    step: SubmissionStep, doc: dict[str, Any], location: Location, namespace: str
) -> str | None:
    """Put a document in the grading namespace, recording what that changed; None when the
    document is dropped instead (a Namespace)."""
    kind = str(doc["kind"])
    metadata = doc.get("metadata")
    name = str(metadata.get("name")) if isinstance(metadata, dict) else "?"
    if kind == "Namespace":
        step.notes.adjustments.append(
            Adjustment(
                "dropped", f"Namespace/{name}", location,
                f"not created: the submission is graded in namespace {namespace}",
            )
        )  # fmt: skip
        return None
    named = metadata.get("namespace") if isinstance(metadata, dict) else None
    if named and named != namespace:
        step.notes.adjustments.append(
            Adjustment(
                "moved", f"{kind}/{name}", location,
                f"names namespace {named}; applied in the grading namespace {namespace}",
            )
        )  # fmt: skip
    return f"{kind}/{name}"


def _apply_documents(
    client: KubeconfigClient,
    step: SubmissionStep,
    docs: list[Document],
    name: str,
    shown: str,
    namespace: str,
) -> tuple[list[str], tuple[str, int | None] | None]:
    """Apply one file's documents into `namespace` in order, up to the first that is refused:
    what was applied (`Kind/name`), and the problem that stopped it with the document's line
    (None: every one applied). `shown`: the file's path as reports show it."""
    applied: list[str] = []
    for document in docs:
        doc, line = document.data, document.line
        if not isinstance(doc, dict) or not doc.get("kind") or not doc.get("apiVersion"):
            return applied, (f"{name}:{line}: a document is not a Kubernetes object "
                             "(apiVersion, kind)", line)  # fmt: skip
        metadata = doc.get("metadata")
        if doc["kind"] != "Namespace" and (
            not isinstance(metadata, dict) or not metadata.get("name")
        ):
            return applied, (f"{name}:{line}: a {doc['kind']} without metadata.name", line)
        location = Location(shown, line)
        described = _placed(step, doc, location, namespace)
        if described is None:
            continue
        assert isinstance(metadata, dict)
        bad_name = _path_segment_problem(str(metadata["name"]))
        if bad_name is not None:
            return applied, (f"{name}:{line}: {described} is invalid: metadata.name {bad_name}",
                             line)  # fmt: skip
        metadata["namespace"] = namespace
        scope = object_scope_problem(client, doc, namespace)
        if scope is not None:
            return applied, (
                f"{name}:{line}: {scope}; a submission holds namespaced objects only",
                line,
            )
        try:
            client.apply(doc, namespace)
        except ApiRejected as exc:
            return applied, (
                f"{name}:{line}: {described} was refused by the API: {exc.message}",
                line,
            )
        applied.append(described)
        step.objects[(str(doc["kind"]), str(metadata["name"]))] = location
    return applied, None


def _read_documents(
    path: Path, name: str, bindings: Mapping[str, str | int]
) -> list[Document] | tuple[str, int | None]:
    """The file's documents with placeholders filled, or why they cannot be (and the line)."""
    try:
        documents = load_documents(_read_submitted(path), name)
        for document in documents:
            document.data = substitute_data(document.data, bindings)
    except Unreadable as exc:
        return f"{name} {exc}", None
    except SubmittedYamlError as exc:
        return str(exc), exc.line
    except (yaml.YAMLError, UnicodeDecodeError, MissingBinding, TooManyNodes) as exc:
        return f"{name} is not valid YAML: {exc}", None
    except OSError as exc:
        return f"{name} cannot be read: {exc.strerror or exc}", None
    return documents


def shown_path(path: Path) -> str:
    """A submitted file as reports show it: relative to the working directory (the repository,
    in CI) when it is under it, so annotations land on the file."""
    try:
        return (
            os.path.relpath(path, Path.cwd())
            if path.resolve().is_relative_to(Path.cwd().resolve())
            else str(path)
        )
    except (OSError, ValueError, RuntimeError):  # RuntimeError: Python 3.11 on a link loop
        return str(path)


def apply_submission(
    client: KubeconfigClient,
    directory: Path,
    namespace: str,
    bindings: Mapping[str, str | int],
) -> SubmissionStep:
    """Apply every manifest of a submission into `namespace`; one result per file."""
    step = SubmissionStep("", "submission", f"apply the submission in {directory}")
    step.notes = SubmissionNotes(shown_path(directory))
    files = manifest_files(directory)
    if not files:
        step.checks.append(
            _file_result(str(directory), "failed", "no .yaml, .yml or .json files found")
        )
        return step
    for path in files:
        name = str(path.relative_to(directory))
        shown = shown_path(path)
        started = time.monotonic()
        unread = _link_problem(path, directory)
        if unread is not None:
            step.checks.append(_file_result(name, "failed", f"{name} {unread}", Location(shown)))
            continue
        documents = _read_documents(path, name, bindings)
        if isinstance(documents, tuple):
            message, line = documents
            step.checks.append(_file_result(name, "failed", message, Location(shown, line)))
            continue
        applied, problem = _apply_documents(client, step, documents, name, shown, namespace)
        result = _file_result(
            name,
            "failed" if problem else "passed",
            problem[0] if problem else f"applied {', '.join(applied) or 'nothing'}",
            Location(shown, problem[1] if problem else None),
        )
        result.duration = time.monotonic() - started
        step.checks.append(result)
    return step
