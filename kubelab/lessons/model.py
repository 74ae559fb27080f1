"""The lesson format (YAML), as a pydantic model. `kubelab schema` prints its JSON Schema.

Course order is the order of lesson file names (`01-why-services.yaml`, ...). Manifest paths are
relative to the lesson file and may not escape the course root (the folder holding `lessons/` and
`manifests/`). Strings in manifests and checks may use `${binding}` placeholders: `${namespace}`
always, plus the lesson's own `bindings` (cluster-wide values the grader allocates per run, so
lessons and learners sharing a cluster never collide).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field, field_validator

from kubelab.lessons.checks import CheckSpec
from kubelab.lessons.checks.base import Capability, StrictModel

FORMAT_VERSION = 1
SLUG = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class Binding(StrictModel):
    """A cluster-wide value allocated when the lesson runs, used as `${name}`."""

    name: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    allocate: Literal["nodePort", "clusterIP"] = Field(
        description=(
            "nodePort: a free port in 30000-32767; clusterIP: a free IP in the service range"
        )
    )


class Actions(StrictModel):
    """What to apply: manifests (through the Kubernetes API) and kubectl argv lists (no shell)."""

    manifests: list[str] = Field(
        default_factory=list, description="YAML files relative to this lesson file"
    )
    commands: list[list[str]] = Field(
        default_factory=list,
        description='kubectl argument lists, e.g. ["kubectl", "scale", "deployment/my-nginx", '
        '"--replicas=0"]; run without a shell',
    )

    @field_validator("commands")
    @classmethod
    def _kubectl_only(cls, commands: list[list[str]]) -> list[list[str]]:
        for argv in commands:
            if not argv or argv[0] != "kubectl":
                raise ValueError("each command is an argument list starting with 'kubectl'")
        return commands


class WrongAnswer(StrictModel):
    """A realistic mistake for a step: manifests the self-test applies (on the cluster as the step
    starts) and must grade as failing, naming `diagnosis` in a failed check's message or
    diagnosis. The self-test puts the objects back as they were afterwards."""

    name: str = Field(min_length=1, description="the mistake, e.g. 'selector names the wrong app'")
    manifests: list[str] = Field(
        min_length=1, description="YAML files relative to this lesson file: the wrong answer"
    )
    diagnosis: str = Field(
        min_length=1,
        description="text a failed check's message or diagnosis must contain, e.g. 'selector'",
    )


class Step(StrictModel):
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    body: str = Field(description="instructions, Markdown")
    hints: list[str] = Field(default_factory=list, description="revealed one at a time")
    setup: Actions = Field(
        default_factory=Actions,
        description="applied when the step starts (after the earlier steps' solutions), e.g. a "
        "breakage to debug mid-lesson",
    )
    solution: Actions = Field(description="used by 'apply for me' and by the self-test")
    checks: list[CheckSpec] = Field(min_length=1)
    invariants: list[CheckSpec] = Field(
        default_factory=list,
        description="checks that must hold in this step and every later one (graded with each "
        "of those steps and with the whole lesson; the self-test does not require them to fail "
        "before the step's solution)",
    )
    requires: list[Capability] = Field(
        default_factory=list, description="capabilities this step needs; skipped where missing"
    )
    wrong_answers: list[WrongAnswer] = Field(
        default_factory=list, description="mistakes the self-test must grade as failing"
    )


class Lesson(StrictModel):
    format_version: Literal[1] = Field(description="version of this lesson format")
    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    requires: list[str] = Field(default_factory=list, description="prerequisite lesson ids")
    bindings: list[Binding] = Field(default_factory=list)
    setup: Actions = Field(default_factory=Actions, description="applied before the lesson starts")
    steps: list[Step] = Field(min_length=1)

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def step_index(self, step_id: str) -> int:
        """The position of step `step_id` (KeyError when the lesson has none)."""
        for index, step in enumerate(self.steps):
            if step.id == step_id:
                return index
        raise KeyError(f"lesson {self.id} has no step {step_id!r}")

    def invariants_through(self, step_id: str) -> list[CheckSpec]:
        """The invariants in force during step `step_id`: its own and every earlier step's."""
        upto = self.steps[: self.step_index(step_id) + 1]
        return [check for step in upto for check in step.invariants]


def step_start_actions(lesson: Lesson, step_id: str) -> Iterator[Actions]:
    """What makes the cluster as it is when step `step_id` starts, in order: the lesson's setup,
    then for each earlier step its own setup and its solution, then this step's own setup.
    `KeyError` when the lesson has no such step."""
    ids = [step.id for step in lesson.steps]
    if step_id not in ids:
        raise KeyError(f"lesson {lesson.id} has no step {step_id!r}")
    yield lesson.setup
    for step in lesson.steps[: ids.index(step_id)]:
        yield step.setup
        yield step.solution
    yield lesson.steps[ids.index(step_id)].setup


class CourseInfo(StrictModel):
    """`course.yaml` in a course folder: what the course is called, and its lesson order."""

    title: str = Field(min_length=1)
    description: str = Field(default="", description="a paragraph shown with the lesson list")
    order: list[str] = Field(
        default_factory=list,
        description="lesson ids in course order (default: the order of the lesson file names); "
        "when given, it names every lesson",
    )
    version: str = Field(default="", description="the course's own version, e.g. 2026.1")
