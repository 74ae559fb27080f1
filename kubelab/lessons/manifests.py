"""Reading the Kubernetes manifests lessons reference (multi-document YAML with placeholders)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kubelab.lessons.marked_yaml import MarkedParseError, parse_marked_all
from kubelab.lessons.problems import LessonLoadError, LessonProblem, read_lesson_file
from kubelab.lessons.render import fill, find_placeholders
from kubelab.objects import Obj


def _substitute_lines(
    text: str, path: Path, bindings: Mapping[str, str | int]
) -> tuple[str, list[LessonProblem]]:
    problems: list[LessonProblem] = []
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        for found in find_placeholders(line):
            if found.valid and found.name not in bindings:
                known = ", ".join(sorted(bindings)) or "none"
                problems.append(
                    LessonProblem(
                        path,
                        number,
                        found.start + 1,
                        f"unknown placeholder ${{{found.name}}} (bindings here: {known})",
                    )
                )
    if problems:
        return text, problems
    substituted = fill(text, lambda name: str(bindings[name]))
    return substituted, []


def _check_object(doc: Any, path: Path, line: int, col: int) -> list[LessonProblem]:
    if not isinstance(doc, dict):
        kind = type(doc).__name__
        return [LessonProblem(path, line, col, f"a manifest document is a mapping (found {kind})")]
    problems = []
    for key in ("apiVersion", "kind"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            problems.append(LessonProblem(path, line, col, f"missing or empty {key!r}"))
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        problems.append(LessonProblem(path, line, col, "missing or empty 'metadata.name'"))
    return problems


def read_manifest_docs(path: Path, bindings: Mapping[str, str | int]) -> list[Obj]:
    """Every object in a manifest file, placeholders filled from `bindings` before parsing.

    Raises `LessonLoadError` (every problem as `path:line:col`) when the file cannot be read, a
    placeholder has no binding, the YAML is invalid (duplicate keys included) or a document lacks
    `apiVersion`, `kind` or `metadata.name`. Empty documents are skipped.
    """
    text, problems = _substitute_lines(read_lesson_file(path), path, bindings)
    if problems:
        raise LessonLoadError(problems)
    try:
        documents = parse_marked_all(text, path)
    except MarkedParseError as exc:
        raise LessonLoadError([exc.problem]) from None
    objects: list[Obj] = []
    for marked in documents:
        problems.extend(marked.problems)
        if marked.data is None:
            continue
        start = marked.place_of(())
        problems.extend(_check_object(marked.data, path, start.line, start.col))
        if isinstance(marked.data, dict):
            objects.append(marked.data)
    if not objects and not problems:
        problems.append(LessonProblem(path, 1, 1, "the manifest holds no objects"))
    if problems:
        raise LessonLoadError(problems)
    return objects
