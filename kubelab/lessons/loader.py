"""Loading lessons and courses: every problem becomes `path:line:col: message`, never a traceback.

A course is a folder holding `lessons/` (one YAML file per lesson; file names give the order) and
`manifests/`. The bundled course is this repository's (in a checkout) or the copy shipped inside
the wheel (`kubelab/_course/`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kubelab.lessons.api_versions import DEFAULT_API_VERSIONS
from kubelab.lessons.checks.base import ObjectRef
from kubelab.lessons.course_files import (
    bundled_course_root,
    course_root_for,
    lesson_files,
)
from kubelab.lessons.kubectl_policy import command_problem
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.marked_yaml import DataPath, Marked, MarkedParseError, parse_marked
from kubelab.lessons.model import PLACEHOLDER, Lesson
from kubelab.lessons.problems import CourseNotFound, LessonLoadError, LessonProblem

__all__ = [
    "Course",
    "CourseNotFound",
    "LessonLoadError",
    "LessonProblem",
    "LoadedLesson",
    "bundled_course_root",
    "course_root_for",
    "lint_bindings",
    "load_course",
    "load_lesson",
]


@dataclass
class LoadedLesson:
    """A lesson that loaded cleanly, with where it came from."""

    lesson: Lesson
    path: Path
    root: Path
    marked: Marked | None = field(default=None, repr=False, compare=False)

    def manifest_path(self, rel: str) -> Path:
        """The manifest `rel` (relative to the lesson file); refused outside the course root."""
        resolved = (self.path.parent / rel).resolve()
        if Path(rel).is_absolute() or not resolved.is_relative_to(self.root.resolve()):
            raise LessonLoadError(
                [LessonProblem(self.path, 1, 1, f"manifest path {rel!r} escapes the course root")]
            )
        return resolved

    def place(self, path: DataPath) -> tuple[int, int]:
        """Line and column of a value in the lesson file (1, 1 when unknown)."""
        if self.marked is None:
            return (1, 1)
        found = self.marked.place_of(path)
        return (found.line, found.col)


@dataclass
class Course:
    """The lessons of a course in order, and the problems of the files that did not load."""

    root: Path
    lessons: list[LoadedLesson]
    problems: list[LessonProblem]

    def find(self, lesson_id: str) -> LoadedLesson | None:
        """The lesson with id `lesson_id`, else the one at that number in course order (1 is
        the first, as `kubelab lessons` numbers them)."""
        found = next((loaded for loaded in self.lessons if loaded.lesson.id == lesson_id), None)
        if found is None and lesson_id.isdigit() and 1 <= int(lesson_id) <= len(self.lessons):
            return self.lessons[int(lesson_id) - 1]
        return found


# ---------------------------------------------------------------------------------------------
# locating courses


def _root_for_file(path: Path) -> Path:
    parent = path.resolve().parent
    return parent.parent if parent.name == "lessons" else parent


# ---------------------------------------------------------------------------------------------
# validation errors mapped to YAML places


def _human(path: DataPath) -> str:
    text = ""
    for item in path:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text


def _walk(loc: tuple[int | str, ...], marked: Marked) -> tuple[DataPath, list[int | str]]:
    """The longest path of `loc` present in the document, and the items not found there."""
    path: DataPath = ()
    rest: list[int | str] = []
    for item in loc:
        candidate = (*path, item)
        if candidate in marked.values:
            path = candidate
        else:
            rest.append(item)
    return path, rest


def _problem_for(error: ErrorDetails, marked: Marked, source: Path) -> LessonProblem:
    kind = error["type"]
    path, rest = _walk(tuple(error["loc"]), marked)
    where = _human(path) or "lesson"
    message = error["msg"].removeprefix("Value error, ")
    place = marked.place_of(path)
    if kind == "extra_forbidden" and path:
        key_place = marked.place_of(path, key=True)
        return LessonProblem(
            source,
            key_place.line,
            key_place.col,
            f"{_human(path[:-1]) or 'lesson'}: unknown key {path[-1]!r}",
        )
    if kind == "missing" and rest:
        return LessonProblem(
            source, place.line, place.col, f"{where}: missing required key {rest[-1]!r}"
        )
    ctx = error.get("ctx") or {}
    if kind == "union_tag_invalid":
        kind_path = (*path, "kind")
        if kind_path in marked.values:
            place = marked.place_of(kind_path)
            where = _human(kind_path)
        return LessonProblem(
            source,
            place.line,
            place.col,
            f"{where}: unknown check kind {ctx.get('tag')!r} (expected one of "
            f"{ctx.get('expected_tags')})",
        )
    if kind == "union_tag_not_found":
        return LessonProblem(
            source,
            place.line,
            place.col,
            f"{where}: missing required key 'kind' (the check kind)",
        )
    return LessonProblem(source, place.line, place.col, f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# checks pydantic cannot do (on the raw data, so they are reported even when validation fails)


def _items(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _strings(data: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


def _binding_names(data: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    for binding in _items(data, "bindings"):
        if isinstance(binding, dict) and isinstance(binding.get("name"), str):
            names[binding["name"]] = str(binding.get("allocate"))
    return names


def lint_bindings(names: Mapping[str, str]) -> dict[str, str | int]:
    """Sample values for checking manifests: `namespace` plus one value per declared binding."""
    values: dict[str, str | int] = {"namespace": "kubelab-lint"}
    for index, (name, allocate) in enumerate(sorted(names.items())):
        values[name] = 30000 + index if allocate == "nodePort" else f"10.96.0.{200 + index}"
    return values


def _action_refs(data: Any, field: str) -> Iterator[tuple[DataPath, Any]]:
    """Every entry of `field` ("manifests" or "commands") of the setup and the solutions."""
    setup = data.get("setup") if isinstance(data, dict) else None
    for index, ref in enumerate(_items(setup, field)):
        yield ("setup", field, index), ref
    for step_index, step in enumerate(_items(data, "steps")):
        solution = step.get("solution") if isinstance(step, dict) else None
        for index, ref in enumerate(_items(solution, field)):
            yield ("steps", step_index, "solution", field, index), ref


Locate = Callable[[DataPath, str], LessonProblem]


def _command_problems(
    data: Any, sample: Mapping[str, str | int], at: Locate
) -> Iterator[LessonProblem]:
    """Every action command checked against the allowed kubectl commands (`kubectl_policy`),
    located at the argument at fault."""
    for path, argv in _action_refs(data, "commands"):
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
            continue  # reported by validation
        filled = [
            PLACEHOLDER.sub(lambda m: str(sample.get(m.group(1), m.group(0))), a) for a in argv
        ]
        problem = command_problem(filled, str(sample["namespace"]))
        if problem is not None:
            place = (*path, problem.index) if 0 < problem.index < len(argv) else path
            yield at(place, f"{_human(path)}: {problem.message}")


def _semantic_problems(
    marked: Marked, source: Path, root: Path, manifest_cache: dict[Path, list[LessonProblem]]
) -> list[LessonProblem]:
    """What validation cannot see: duplicate step ids, empty solutions, unknown placeholders,
    manifest paths and the manifests themselves (each file read once per course)."""
    data = marked.data

    def at(path: DataPath, message: str) -> LessonProblem:
        place = marked.place_of(path)
        return LessonProblem(source, place.line, place.col, message)

    bindings = _binding_names(data)
    return [
        *_step_problems(data, at),
        *_placeholder_problems(data, {"namespace", *bindings}, at),
        *_command_problems(data, lint_bindings(bindings), at),
        *_manifest_problems(data, source, root, lint_bindings(bindings), manifest_cache, at),
    ]


def _step_problems(data: Any, at: Locate) -> Iterator[LessonProblem]:
    seen: dict[str, int] = {}
    for index, step in enumerate(_items(data, "steps")):
        step_id = step.get("id") if isinstance(step, dict) else None
        if not isinstance(step_id, str):
            continue
        if step_id in seen:
            yield at(
                ("steps", index, "id"),
                f"steps[{index}].id: duplicate step id {step_id!r} (also steps[{seen[step_id]}])",
            )
        else:
            seen[step_id] = index
        solution = step.get("solution")
        if (
            isinstance(solution, dict)
            and not solution.get("manifests")
            and not solution.get("commands")
        ):
            yield at(
                ("steps", index, "solution"),
                f"steps[{index}].solution: give 'manifests' or 'commands' (the self-test and "
                "'apply for me' use them)",
            )


def _placeholder_problems(data: Any, known: set[str], at: Locate) -> Iterator[LessonProblem]:
    for path, text in _strings(data, ()):
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) not in known:
                yield at(
                    path,
                    f"{_human(path)}: unknown placeholder ${{{match.group(1)}}} (declare it "
                    f"under 'bindings'; known: {', '.join(sorted(known))})",
                )


def _manifest_problems(
    data: Any,
    source: Path,
    root: Path,
    sample: Mapping[str, str | int],
    manifest_cache: dict[Path, list[LessonProblem]],
    at: Locate,
) -> Iterator[LessonProblem]:
    resolved_root = root.resolve()
    for path, ref in _action_refs(data, "manifests"):
        if not isinstance(ref, str):
            continue  # reported by validation
        where = _human(path)
        target = (source.parent / ref).resolve()
        if Path(ref).is_absolute():
            yield at(path, f"{where}: manifest path must be relative to the lesson file: {ref!r}")
        elif not target.is_relative_to(resolved_root):
            yield at(path, f"{where}: manifest path {ref!r} escapes the course root {root}")
        elif not target.is_file():
            yield at(path, f"{where}: manifest file not found: {ref!r} (looked for {target})")
        else:
            if target not in manifest_cache:
                try:
                    read_manifest_docs(target, sample)
                    manifest_cache[target] = []
                except LessonLoadError as exc:
                    manifest_cache[target] = exc.problems
            yield from manifest_cache[target]


def _object_refs(value: Any, path: DataPath) -> Iterator[tuple[DataPath, ObjectRef]]:
    """Every object reference in a validated lesson (check objects, live values), with its path."""
    if isinstance(value, ObjectRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from _object_refs(getattr(value, name), (*path, info.alias or name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _object_refs(item, (*path, index))


def _api_version_problems(lesson: Lesson, marked: Marked, source: Path) -> list[LessonProblem]:
    """A kind without `apiVersion` must be one whose API group kubelab knows (typos show here)."""
    problems: list[LessonProblem] = []
    for path, ref in _object_refs(lesson, ()):
        if ref.api_version is not None or ref.kind in DEFAULT_API_VERSIONS:
            continue
        close = difflib.get_close_matches(ref.kind, list(DEFAULT_API_VERSIONS), n=1)
        advice = f"did you mean {close[0]!r}? " if close else ""
        place = marked.place_of((*path, "kind"))
        problems.append(
            LessonProblem(
                source,
                place.line,
                place.col,
                f"{_human((*path, 'kind'))}: unknown kind {ref.kind!r}: {advice}"
                "give 'apiVersion' for kinds kubelab does not know",
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------
# loading


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LessonLoadError([LessonProblem(path, 1, 1, "not UTF-8 text")]) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise LessonLoadError([LessonProblem(path, 1, 1, f"cannot read: {reason}")]) from None


def parse_lesson(
    text: str,
    path: Path,
    root: Path,
    manifest_cache: dict[Path, list[LessonProblem]] | None = None,
) -> LoadedLesson:
    """Load a lesson from its text (`path` names it in problems). Raises `LessonLoadError`."""
    try:
        marked = parse_marked(text, path)
    except MarkedParseError as exc:
        raise LessonLoadError([exc.problem]) from None
    if not isinstance(marked.data, dict):
        found = "an empty file" if marked.data is None else type(marked.data).__name__
        place = marked.place_of(())
        raise LessonLoadError(
            [
                LessonProblem(
                    path, place.line, place.col, f"a lesson is a YAML mapping (found {found})"
                )
            ]
        )
    problems: list[LessonProblem] = []
    lesson: Lesson | None = None
    try:
        lesson = Lesson.model_validate(marked.data)
    except ValidationError as exc:
        problems.extend(_problem_for(error, marked, path) for error in exc.errors())
    cache = manifest_cache if manifest_cache is not None else {}
    problems.extend(_semantic_problems(marked, path, root, cache))
    if lesson is not None:
        problems.extend(_api_version_problems(lesson, marked, path))
    if problems or lesson is None:
        raise LessonLoadError(sorted(set(problems), key=_order))
    return LoadedLesson(lesson=lesson, path=path, root=root, marked=marked)


def _order(problem: LessonProblem) -> tuple[str, int, int, str]:
    return (str(problem.path), problem.line, problem.col, problem.message)


def load_lesson(
    path: Path,
    root: Path | None = None,
    manifest_cache: dict[Path, list[LessonProblem]] | None = None,
) -> LoadedLesson:
    """Load one lesson file; `root` defaults to the folder above its `lessons/` folder."""
    course_root = root if root is not None else _root_for_file(path)
    return parse_lesson(_read(path), path, course_root, manifest_cache)


def load_course(root: Path | None = None) -> Course:
    """Every lesson of a course in order; problems of lessons that do not load are collected.

    Raises `CourseNotFound` when `root` holds no `lessons/` folder.
    """
    course_root = bundled_course_root() if root is None else course_root_for(root)
    loaded: list[LoadedLesson] = []
    problems: list[LessonProblem] = []
    cache: dict[Path, list[LessonProblem]] = {}
    for path in lesson_files(course_root):
        try:
            loaded.append(load_lesson(path, course_root, cache))
        except LessonLoadError as exc:
            problems.extend(exc.problems)
    problems.extend(_course_problems(loaded))
    unique = sorted(set(problems), key=_order)
    return Course(root=course_root, lessons=loaded, problems=unique)


def _course_problems(loaded: list[LoadedLesson]) -> list[LessonProblem]:
    problems: list[LessonProblem] = []
    first: dict[str, LoadedLesson] = {}
    for item in loaded:
        lesson_id = item.lesson.id
        if lesson_id in first:
            line, col = item.place(("id",))
            problems.append(
                LessonProblem(
                    item.path,
                    line,
                    col,
                    f"id: duplicate lesson id {lesson_id!r} (also {first[lesson_id].path.name})",
                )
            )
        else:
            first[lesson_id] = item
        for index, required in enumerate(item.lesson.requires):
            if required not in first or required == lesson_id:
                line, col = item.place(("requires", index))
                later = any(other.lesson.id == required for other in loaded)
                reason = "comes later in the course" if later else "is not a lesson of this course"
                problems.append(
                    LessonProblem(
                        item.path,
                        line,
                        col,
                        f"requires[{index}]: prerequisite {required!r} {reason}",
                    )
                )
    return problems
