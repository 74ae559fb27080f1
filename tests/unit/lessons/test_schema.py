"""The shipped JSON Schema is generated from the model and stays in step with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import jsonschema
import yaml

from kubelab.lessons.schema import SCHEMA_FILE, lesson_json_schema, schema_text

if TYPE_CHECKING:
    from conftest import CourseDir, Ran


def test_shipped_schema_is_current() -> None:
    """Fails when the model changed and `lesson.schema.json` did not; rewrites it so the next run
    passes (commit the regenerated file)."""
    current = schema_text()
    shipped = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    if shipped != current:
        SCHEMA_FILE.write_text(current, encoding="utf-8")
    assert shipped == current, f"{SCHEMA_FILE} was stale: regenerated it, commit the new file"


def test_kubelab_schema_prints_it(kubelab: Callable[..., Ran]) -> None:
    ran = kubelab("schema")
    assert ran.exit_code == 0
    assert json.loads(ran.stdout) == lesson_json_schema()


def test_schema_accepts_a_valid_lesson_and_rejects_an_unknown_key(course: CourseDir) -> None:
    schema = lesson_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    document = yaml.safe_load(course.valid)
    assert list(validator.iter_errors(document)) == []
    document["steps"][0]["titel"] = "typo"
    assert [e.message for e in validator.iter_errors(document)] != []


def test_every_bundled_lesson_validates_against_the_shipped_schema() -> None:
    from kubelab.lessons.loader import load_course

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text("utf-8")))
    for loaded in load_course().lessons:
        document = yaml.safe_load(loaded.path.read_text(encoding="utf-8"))
        problems = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)
        ]
        assert problems == [], loaded.path.name


def test_shipped_course_schema_is_current_and_accepts_the_bundled_course_yaml(
    kubelab: Callable[..., Ran],
) -> None:
    from kubelab.lessons.loader import bundled_course_root
    from kubelab.lessons.schema import COURSE_SCHEMA_FILE, course_schema_text

    current = course_schema_text()
    shipped = COURSE_SCHEMA_FILE.read_text(encoding="utf-8") if COURSE_SCHEMA_FILE.exists() else ""
    if shipped != current:
        COURSE_SCHEMA_FILE.write_text(current, encoding="utf-8")
    assert shipped == current, f"{COURSE_SCHEMA_FILE} was stale: regenerated it, commit it"
    assert kubelab("schema", "--course").stdout == current
    validator = jsonschema.Draft202012Validator(json.loads(current))
    bundled = yaml.safe_load((bundled_course_root() / "course.yaml").read_text("utf-8"))
    assert list(validator.iter_errors(bundled)) == []
    assert list(validator.iter_errors({"title": "x", "ordre": []})) != []
