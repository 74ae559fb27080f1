"""A course's outline, read fast: each lesson's id, title, summary, steps and prerequisites.

The lesson list is shown from this while the course loads (validating every lesson against the
models takes a few hundred milliseconds more). It is never used for anything but showing the
list: the loaded course replaces it, and a lesson opens only once that is there. Files that are
too big, not YAML mappings, or lack an id are left out here (the loader reports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from kubelab.lessons.course_files import bundled_course_root, course_root_for, lesson_files

if TYPE_CHECKING:
    from kubelab.lessons.loader import Course

MAX_BYTES = 1_000_000
"""Bigger lesson files are left to the loader (which refuses them with a located message)."""


@dataclass(frozen=True)
class LessonOutline:
    id: str
    title: str
    summary: str
    steps: tuple[tuple[str, str], ...]
    """(id, title) of every step, in order."""
    requires: tuple[str, ...]

    def step_title(self, step_id: str) -> str | None:
        return next((title for sid, title in self.steps if sid == step_id), None)


@dataclass(frozen=True)
class CourseOutline:
    root: Path
    lessons: tuple[LessonOutline, ...]

    def find(self, lesson_id: str) -> LessonOutline | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)


def read_outline(root: Path | None = None) -> CourseOutline:
    """The outline of the course at `root` (the bundled course by default)."""
    course_root = bundled_course_root() if root is None else course_root_for(root)
    lessons = []
    for path in lesson_files(course_root):
        lesson = _outline_of(path)
        if lesson is not None:
            lessons.append(lesson)
    return CourseOutline(course_root, tuple(lessons))


def _outline_of(path: Path) -> LessonOutline | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        # only top-level values and the steps' ids and titles are read: aliases are shared,
        # never expanded
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return None
    steps = tuple(
        (str(step.get("id")), _text(step.get("title")))
        for step in _list(data.get("steps"))
        if isinstance(step, dict)
    )
    return LessonOutline(
        id=data["id"],
        title=_text(data.get("title")) or data["id"],
        summary=_text(data.get("summary")),
        steps=steps,
        requires=tuple(str(r) for r in _list(data.get("requires")) if isinstance(r, str)),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def outline_of(course: Course) -> CourseOutline:
    """The outline of a loaded course (what the list shows once the course has loaded)."""
    return CourseOutline(
        course.root,
        tuple(
            LessonOutline(
                id=loaded.lesson.id,
                title=loaded.lesson.title,
                summary=loaded.lesson.summary,
                steps=tuple((step.id, step.title) for step in loaded.lesson.steps),
                requires=tuple(loaded.lesson.requires),
            )
            for loaded in course.lessons
        ),
    )
