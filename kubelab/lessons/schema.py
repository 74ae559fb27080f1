"""The JSON Schema of the lesson format, generated from the pydantic model.

A copy ships as `lesson.schema.json` beside this module (a test fails when it is stale), so editors
can validate lessons that start with
`# yaml-language-server: $schema=<path or URL of lesson.schema.json>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kubelab.lessons.model import FORMAT_VERSION, CourseInfo, Lesson

SCHEMA_FILE = Path(__file__).with_name("lesson.schema.json")
COURSE_SCHEMA_FILE = Path(__file__).with_name("course.schema.json")


def _json_schema(model: type[BaseModel], name: str, title: str) -> dict[str, Any]:
    """`model`'s JSON Schema (by alias, as instructors write the YAML) under kubelab's `$id`
    for `name` in this format version."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://kubelab.dev/schema/{name}-v{FORMAT_VERSION}.json",
        **schema,
        "title": title,
    }


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def lesson_json_schema() -> dict[str, Any]:
    """The schema as a dict (by alias, as instructors write the YAML)."""
    return _json_schema(Lesson, "lesson", "kubelab lesson")


def schema_text() -> str:
    """The schema as `kubelab schema` prints it and `lesson.schema.json` stores it."""
    return _text(lesson_json_schema())


def course_json_schema() -> dict[str, Any]:
    """The schema of `course.yaml`."""
    return _json_schema(CourseInfo, "course", "kubelab course.yaml")


def course_schema_text() -> str:
    """As `kubelab schema --course` prints it and `course.schema.json` stores it."""
    return _text(course_json_schema())
