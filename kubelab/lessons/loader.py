"""Loading lessons and courses: every problem becomes `path:line:col: message`, never a traceback.

A course is a folder holding `lessons/` (one YAML file per lesson; file names give the order) and
`manifests/`. The bundled course is this repository's (in a checkout) or the copy shipped inside
the wheel (`kubelab/_course/`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from kubelab.lessons.api_versions import DEFAULT_API_VERSIONS
from kubelab.lessons.checks import SPECS
from kubelab.lessons.checks.base import ObjectRef
from kubelab.lessons.course_files import (
    bundled_course_root,
    course_root_for,
    lesson_files,
)
from kubelab.lessons.lesson_rules import human_path as _human
from kubelab.lessons.lesson_rules import semantic_problems
from kubelab.lessons.manifest_lint import ManifestCache
from kubelab.lessons.marked_yaml import DataPath, Marked, MarkedParseError, parse_marked
from kubelab.lessons.messages import did_you_mean, keys_at, own_words
from kubelab.lessons.model import CourseInfo, Lesson
from kubelab.lessons.problems import (
    CourseNotFound,
    LessonLoadError,
    LessonProblem,
    read_lesson_file,
)

__all__ = [
    "Course",
    "CourseNotFound",
    "LessonLoadError",
    "LessonProblem",
    "LoadedLesson",
    "bundled_course_root",
    "course_root_for",
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
    info: CourseInfo | None = None
    """From `course.yaml`, when the course has one (and it loads)."""

    @property
    def title(self) -> str:
        return self.info.title if self.info is not None else self.root.name

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


def _problem_for(
    error: ErrorDetails,
    marked: Marked,
    source: Path,
    model: type[BaseModel] = Lesson,
    top: str = "lesson",
) -> LessonProblem:
    kind = error["type"]
    loc = tuple(error["loc"])
    path, rest = _walk(loc, marked)
    where = _human(path) or top
    place = marked.place_of(path)
    if kind == "extra_forbidden" and path:
        key_place = marked.place_of(path, key=True)
        advice = did_you_mean(str(path[-1]), keys_at(model, loc[:-1]))
        return LessonProblem(
            source,
            key_place.line,
            key_place.col,
            f"{_human(path[:-1]) or top}: unknown key {path[-1]!r}{advice}",
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
        close = difflib.get_close_matches(str(ctx.get("tag")), list(SPECS), n=1)
        advice = f"did you mean {close[0]!r}? " if close else ""
        return LessonProblem(
            source,
            place.line,
            place.col,
            f"{where}: unknown check kind {ctx.get('tag')!r} ({advice}the kinds are "
            f"{', '.join(SPECS)})",
        )
    if kind == "union_tag_not_found":
        return LessonProblem(
            source,
            place.line,
            place.col,
            f"{where}: missing required key 'kind' (the check kind)",
        )
    return LessonProblem(source, place.line, place.col, f"{where}: {own_words(error)}")


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


def parse_lesson(
    text: str,
    path: Path,
    root: Path,
    manifest_cache: ManifestCache | None = None,
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
    cache = manifest_cache if manifest_cache is not None else ManifestCache()
    problems.extend(marked.problems)
    problems.extend(semantic_problems(marked, path, root, cache))
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
    manifest_cache: ManifestCache | None = None,
) -> LoadedLesson:
    """Load one lesson file; `root` defaults to the folder above its `lessons/` folder."""
    course_root = root if root is not None else _root_for_file(path)
    return parse_lesson(read_lesson_file(path), path, course_root, manifest_cache)


COURSE_FILE = "course.yaml"


def load_course(root: Path | None = None, *, strict: bool = False) -> Course:
    """Every lesson of a course in order; problems of lessons that do not load are collected.

    The order is `course.yaml`'s `order` when it gives one, else that of the file names.
    `strict` adds the checks only `kubelab lint` needs (the served types' schemas).
    Raises `CourseNotFound` when `root` holds no `lessons/` folder.
    """
    course_root = bundled_course_root() if root is None else course_root_for(root)
    loaded: list[LoadedLesson] = []
    problems: list[LessonProblem] = []
    cache = ManifestCache(strict=strict)
    for path in lesson_files(course_root):
        try:
            loaded.append(load_lesson(path, course_root, cache))
        except LessonLoadError as exc:
            problems.extend(exc.problems)
    info, marked = _course_info(course_root / COURSE_FILE, problems)
    if info is not None and marked is not None and info.order:
        loaded = _ordered(loaded, info.order, marked, course_root / COURSE_FILE, problems)
    problems.extend(_course_problems(loaded))
    unique = sorted(set(problems), key=_order)
    return Course(root=course_root, lessons=loaded, problems=unique, info=info)


def _course_info(
    path: Path, problems: list[LessonProblem]
) -> tuple[CourseInfo | None, Marked | None]:
    if not path.is_file():
        return None, None
    try:
        marked = parse_marked(read_lesson_file(path), path)
    except LessonLoadError as exc:
        problems.extend(exc.problems)
        return None, None
    except MarkedParseError as exc:
        problems.append(exc.problem)
        return None, None
    problems.extend(marked.problems)
    try:
        return CourseInfo.model_validate(marked.data), marked
    except ValidationError as exc:
        problems.extend(
            _problem_for(error, marked, path, CourseInfo, COURSE_FILE) for error in exc.errors()
        )
        return None, None


def _ordered(
    loaded: list[LoadedLesson],
    order: list[str],
    marked: Marked,
    path: Path,
    problems: list[LessonProblem],
) -> list[LoadedLesson]:
    """The lessons in `order`; ids it names that are no lesson, and lessons it leaves out, are
    problems (left-out lessons keep their file-name order, after the listed ones)."""
    by_id = {item.lesson.id: item for item in loaded}
    result: list[LoadedLesson] = []
    for index, lesson_id in enumerate(order):
        item = by_id.get(lesson_id)
        if item is None or item in result:
            place = marked.place_of(("order", index))
            close = difflib.get_close_matches(lesson_id, list(by_id), n=1)
            advice = f" (did you mean {close[0]!r}?)" if close else ""
            why = (
                "is listed twice" if item is not None else f"is not a lesson of this course{advice}"
            )
            problems.append(
                LessonProblem(path, place.line, place.col, f"order[{index}]: {lesson_id!r} {why}")
            )
            continue
        result.append(item)
    for item in loaded:
        if item not in result:
            place = marked.place_of(("order",))
            problems.append(
                LessonProblem(
                    path,
                    place.line,
                    place.col,
                    f"order: lesson {item.lesson.id!r} ({item.path.name}) is not listed",
                )
            )
            result.append(item)
    return result


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
