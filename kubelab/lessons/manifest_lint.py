"""`kubelab lint` for the manifests lessons reference: every problem of a file in one pass.

A manifest is read as written (placeholders not filled in, so `nodePort: ${node_port}` is told
from a hard-coded `nodePort: 30080`), then each object is checked: apiVersion, kind and name; a
type the lab's API serves; its fields against that type's OpenAPI schema (`served_types.py`); no
namespace but the lab's and nothing cluster-scoped (a lesson acts in its lab namespace only); no
hard-coded nodePort (one lesson's fixed port collides with another's on a shared cluster).

What depends on the lesson (which placeholders are declared) is left to the caller: the report
lists every placeholder the file uses.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubelab.lessons.marked_yaml import Marked, MarkedParseError, parse_marked_all
from kubelab.lessons.problems import LessonProblem
from kubelab.lessons.render import ESCAPE, fill, find_placeholders, whole_placeholder
from kubelab.lessons.served_types import ServedTypes, object_problems, served_types


@dataclass(frozen=True)
class UsedPlaceholder:
    line: int
    col: int
    name: str


@dataclass
class ManifestReport:
    """What linting one manifest file found, independent of the lesson that references it."""

    problems: list[LessonProblem] = field(default_factory=list)
    placeholders: list[UsedPlaceholder] = field(default_factory=list)
    complete: bool = True
    """False when the file could not be read or parsed (its placeholders are not all known)."""


class ManifestCache(dict[Path, ManifestReport]):
    """Each manifest's report, read once per course. `strict` (what `kubelab lint` asks for)
    adds the checks that need the served types' schemas; loading a course for a learner or the
    grader leaves them out, as they cost time and change nothing the grader does."""

    def __init__(self, *, strict: bool = False) -> None:
        super().__init__()
        self.strict = strict


def placeholder_name_problem(name: str) -> str:
    return (
        f"${{{name}}} is not a placeholder: placeholder names are lowercase letters, digits "
        f"and '_'; write {ESCAPE}{name}}} for a literal ${{{name}}}"
    )


def lint_manifest(path: Path, *, strict: bool = True) -> ManifestReport:
    """Every problem of the manifest file at `path`, and the placeholders it uses (without
    `strict`: YAML, placeholders and each object's apiVersion, kind and name only)."""
    report = ManifestReport()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.problems.append(LessonProblem(path, 1, 1, "not UTF-8 text"))
        report.complete = False
        return report
    except OSError as exc:
        report.problems.append(LessonProblem(path, 1, 1, f"cannot read: {exc.strerror or exc}"))
        report.complete = False
        return report
    for number, line in enumerate(text.splitlines(), start=1):
        for found in find_placeholders(line):
            if found.valid:
                report.placeholders.append(UsedPlaceholder(number, found.start + 1, found.name))
            else:
                message = placeholder_name_problem(found.name)
                report.problems.append(LessonProblem(path, number, found.start + 1, message))
    names = {used.name for used in report.placeholders}
    try:
        documents = parse_marked_all(_masked(text, names), path)
    except MarkedParseError as exc:
        report.problems.append(exc.problem)
        report.complete = False
        return report
    for marked in documents:
        marked.data = _unmasked(marked.data, names)
    served = served_types() if strict else None
    objects = 0
    for marked in documents:
        report.problems.extend(marked.problems)
        if marked.data is None:
            continue
        objects += 1
        report.problems.extend(_object_problems(marked, path, served))
    if objects == 0:
        report.problems.append(LessonProblem(path, 1, 1, "the manifest holds no objects"))
    return report


def _mask(name: str) -> str:
    return f"_{name}__"


def _masked(text: str, names: set[str]) -> str:
    """`text` with each placeholder replaced by a plain word of the same length, so a
    placeholder parses wherever a value may stand (inside `{...}` too) and columns stay right."""
    return fill(text, lambda name: _mask(name) if name in names else "${" + name + "}")


def _unmasked(data: Any, names: set[str]) -> Any:
    if isinstance(data, str):
        for name in names:
            data = data.replace(_mask(name), "${" + name + "}")
        return data
    if isinstance(data, dict):
        return {_unmasked(k, names): _unmasked(v, names) for k, v in data.items()}
    if isinstance(data, list):
        return [_unmasked(item, names) for item in data]
    return data


def _at(
    marked: Marked, path: Path, data_path: tuple[Any, ...], message: str, key: bool = False
) -> LessonProblem:
    place = marked.place_of(data_path, key=key)
    return LessonProblem(path, place.line, place.col, message)


def _object_problems(marked: Marked, path: Path, served: ServedTypes | None) -> list[LessonProblem]:
    doc = marked.data
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        return [_at(marked, path, (), f"a manifest document is a mapping (found {kind})")]
    problems: list[LessonProblem] = []
    for key in ("apiVersion", "kind"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            problems.append(_at(marked, path, (key,), f"missing or empty {key!r}"))
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        problems.append(_at(marked, path, ("metadata",), "missing or empty 'metadata.name'"))
    if problems or served is None:
        return problems
    api_version, kind = doc["apiVersion"], doc["kind"]
    served_type = served.find(api_version, kind)
    if served_type is None:
        close = difflib.get_close_matches(kind, served.kinds(), n=1)
        advice = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"{api_version} {kind} is not a type the lab's API serves{advice}"
        return [_at(marked, path, ("kind",), message)]
    for found in object_problems(served, served_type, doc):
        where = _dotted(found.path)
        problems.append(_at(marked, path, found.path, f"{where}: {found.message}", found.at_key))
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if not served_type.namespaced:
        message = (
            f"{kind} is cluster-scoped: a lesson creates namespaced objects in its lab "
            "namespace only (kubelab creates the namespace)"
        )
        problems.append(_at(marked, path, ("kind",), message))
    elif namespace is not None and namespace != "${namespace}":
        message = (
            f"metadata.namespace: {namespace!r} is outside the lab namespace: leave it out "
            "(objects go to the lab namespace) or write ${namespace}"
        )
        problems.append(_at(marked, path, ("metadata", "namespace"), message))
    if kind == "Service":
        problems.extend(_node_port_problems(marked, path, doc))
    return problems


def _node_port_problems(marked: Marked, path: Path, doc: dict[str, Any]) -> list[LessonProblem]:
    spec = doc.get("spec")
    ports = spec.get("ports") if isinstance(spec, dict) else None
    problems = []
    for index, port in enumerate(ports if isinstance(ports, list) else []):
        value = port.get("nodePort") if isinstance(port, dict) else None
        if value is None or (isinstance(value, str) and whole_placeholder(value)):
            continue
        message = (
            f"spec.ports[{index}].nodePort: {value!r} is hard-coded, and collides with any other "
            "Service on the cluster using it: leave it out for the cluster to allocate, or "
            "declare a binding (allocate: nodePort) and write ${its_name}"
        )
        problems.append(_at(marked, path, ("spec", "ports", index, "nodePort"), message))
    return problems


def _dotted(path: tuple[Any, ...]) -> str:
    text = ""
    for item in path:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or "object"
