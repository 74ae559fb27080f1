"""`kubelab lessons [--json]` and course-level problems."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kubelab.lessons.loader import load_course

if TYPE_CHECKING:
    from conftest import CourseDir, Ran


def two_lessons(course: CourseDir) -> None:
    course.lesson("02-second.yaml", course.valid.replace("id: demo", "id: second"))
    course.lesson("01-first.yaml", course.valid.replace("id: demo", "id: first"))


def test_lessons_in_course_order(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    two_lessons(course)
    ran = kubelab("lessons", "--lessons", str(course.root))
    assert ran.exit_code == 0
    assert ran.stdout == (
        " 1. first   A demo lesson (1 step)\n 2. second  A demo lesson (1 step)\n"
    )


def test_lessons_json(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    two_lessons(course)
    ran = kubelab("lessons", "--json", "--lessons", str(course.root))
    assert ran.exit_code == 0
    step = {"id": "create", "title": "Create the Service"}
    assert json.loads(ran.stdout) == [
        {"id": "first", "title": "A demo lesson", "steps": [step]},
        {"id": "second", "title": "A demo lesson", "steps": [step]},
    ]


def test_a_lesson_that_does_not_load_is_exit_2(
    course: CourseDir, kubelab: Callable[..., Ran]
) -> None:
    two_lessons(course)
    bad = course.lesson("03-bad.yaml", "id: [\n")
    ran = kubelab("lessons", "--lessons", str(course.root))
    assert ran.exit_code == 2
    assert f"{bad}:2:1: invalid YAML" in ran.stderr
    assert ran.stdout.count("\n") == 2  # the lessons that load are still listed


def test_not_a_course_folder_is_exit_2(course: CourseDir, kubelab: Callable[..., Ran]) -> None:
    ran = kubelab("lessons", "--lessons", str(course.root / "manifests"))
    assert ran.exit_code == 2
    assert "not a course folder" in ran.stderr


def test_duplicate_lesson_ids_and_bad_prerequisites(course: CourseDir) -> None:
    course.lesson("01-a.yaml", course.valid)
    course.lesson(
        "02-b.yaml", course.valid.replace("summary:", "requires: [later, nope]\nsummary:")
    )
    course.lesson("03-c.yaml", course.valid.replace("id: demo", "id: later"))
    loaded = load_course(course.root)
    assert [str(p).split(": ", 1)[1] for p in loaded.problems] == [
        "id: duplicate lesson id 'demo' (also 01-a.yaml)",
        "requires[0]: prerequisite 'later' comes later in the course",
        "requires[1]: prerequisite 'nope' is not a lesson of this course",
    ]
    assert [str(p).split(": ", 1)[0] for p in loaded.problems] == [
        f"{course.root}/lessons/02-b.yaml:2:5",
        f"{course.root}/lessons/02-b.yaml:4:12",
        f"{course.root}/lessons/02-b.yaml:4:19",
    ]


def test_manifest_path_is_refused_outside_the_root(course: CourseDir) -> None:
    course.lesson("01-a.yaml", course.valid)
    loaded = load_course(course.root).lessons[0]
    assert (
        loaded.manifest_path("../manifests/svc.yaml")
        == (course.root / "manifests" / "svc.yaml").resolve()
    )
    try:
        loaded.manifest_path("../../x.yaml")
    except Exception as exc:
        assert "escapes the course root" in str(exc)
    else:
        raise AssertionError("a path outside the course root was accepted")


def test_an_unreadable_lessons_folder_is_a_usage_error(
    course: CourseDir, kubelab: Callable[..., Ran], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path) -> Iterator[Path]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)
    ran = kubelab("lint", "--lessons", str(course.root))
    assert ran.exit_code == 2
    assert ran.stderr == (
        f"kubelab lint: {course.root / 'lessons'}: cannot read (Permission denied)\n"
    )
