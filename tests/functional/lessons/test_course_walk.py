"""The course as one journey, on one simulator: a learner takes every lesson in some order in one
lab, typing each step's body through real kubectl with kubelab's kubeconfig (no `-n`: the
lesson's namespace is the context's), doing the rest as the step's solution does, grading each
step (which records the pass) and then the lesson. Afterwards every lesson is graded again: all
pass. In order, in reverse and in a shuffled order (fixed seed).

Run alone: `pytest -q tests/functional/lessons/test_course_walk.py`."""

from __future__ import annotations

import importlib.util
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import HOST_PORTS_PATH, LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import apply_actions
from kubelab.grading.lesson_lab import lesson_lab, start_lesson
from kubelab.grading.results import LessonResult, StepResult
from kubelab.grading.runner import grade_lesson
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.render import substitute
from kubelab.progress import ProgressStore

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from test_step_commands import node_address, type_step  # noqa: E402


def _lessons_conftest() -> Any:
    spec = importlib.util.spec_from_file_location("lessons_conftest", HERE / "conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


Lab = _lessons_conftest().Lab
LESSONS = load_course().lessons
MAX_WAIT = 20.0


@dataclass
class Journey:
    """One learner's lab: the lab cluster (namespace `default`, as the sim provider gives it),
    kubelab's kubeconfig, and the learner's progress."""

    client: KubeClient
    lab: LabCluster
    store: ProgressStore
    cache: Path
    bindings: dict[str, dict[str, str | int]]

    def learner(self, loaded: LoadedLesson) -> Lab:
        """What the learner types with: kubelab's kubeconfig, whose context namespace is the
        lesson's (the lab fixture's `settle` watches that namespace)."""
        own = lesson_lab(self.lab, loaded.lesson.id)
        return Lab(self.client, own, self.lab.kubeconfig, self.cache)

    def start(self, loaded: LoadedLesson) -> dict[str, str | int]:
        previous = self.bindings.get(loaded.lesson.id, {})
        bindings, _ = start_lesson(self.client, self.lab, loaded, previous)
        self.bindings[loaded.lesson.id] = bindings
        self.store.set_current(loaded.lesson.id, loaded.lesson.steps[0].id)
        return bindings

    def grade_step(self, loaded: LoadedLesson, step_id: str) -> StepResult:
        own = lesson_lab(self.lab, loaded.lesson.id)
        bindings = self.bindings[loaded.lesson.id]
        result = grade_lesson(
            own, loaded, bindings, self.client, step_ids=[step_id], max_wait=MAX_WAIT
        )
        step = result.steps[0]
        if step.passed:
            self.store.record_pass(loaded.lesson.id, step_id)
        return step

    def grade_lesson(self, loaded: LoadedLesson) -> LessonResult:
        """The lesson as `kubelab grade LESSON` grades it: end state live, earlier steps from
        the recorded progress."""
        own = lesson_lab(self.lab, loaded.lesson.id)
        recorded = self.store.load().lessons[loaded.lesson.id]
        passes = {step_id: step.passed_at for step_id, step in recorded.steps.items()}
        return grade_lesson(
            own,
            loaded,
            self.bindings[loaded.lesson.id],
            self.client,
            max_wait=MAX_WAIT,
            recorded=passes,
        )


def failures(result: LessonResult | StepResult) -> list[str]:
    steps = result.steps if isinstance(result, LessonResult) else [result]
    return [
        f"{step.step_id}: {check.name}: {check.message}"
        for step in steps
        for check in step.checks
        if check.status not in ("passed", "skipped")
    ]


def take_lesson(journey: Journey, loaded: LoadedLesson) -> None:
    """Start the lesson and take every step as a learner: type the body, and where the body
    leaves work to the learner, do it as the solution does."""
    bindings = journey.start(loaded)
    learner = journey.learner(loaded)
    learner.settle()
    for step in loaded.lesson.steps:
        body = substitute(step.body, bindings).replace(
            "<INTERNAL-IP>", node_address(journey.client)
        )
        type_step((loaded.lesson.id, step.id), body, learner)
        result = journey.grade_step(loaded, step.id)
        if result.status == "skipped":  # the cluster lacks what the step needs
            continue
        if not result.passed:
            apply_actions(learner.client, loaded, step.solution, bindings)
            learner.settle()
            result = journey.grade_step(loaded, step.id)
        assert result.passed, failures(result)
        journey.store.set_current(loaded.lesson.id, step.id)
    graded = journey.grade_lesson(loaded)
    assert graded.status in ("passed", "skipped") and not failures(graded), failures(graded)


def walk(journey: Journey, order: Sequence[LoadedLesson]) -> None:
    for loaded in order:
        take_lesson(journey, loaded)
    again = {loaded.lesson.id: failures(journey.grade_lesson(loaded)) for loaded in LESSONS}
    assert again == {loaded.lesson.id: [] for loaded in LESSONS}


@pytest.fixture
def journey(sim_factory: Callable[..., Any], tmp_path: Path) -> Any:
    """A fresh simulator (one lab) and kubelab's own copy of its kubeconfig."""
    server = sim_factory("walk")
    kubeconfig = tmp_path / "kubelab.kubeconfig"
    shutil.copy(server.kubeconfig, kubeconfig)
    lab = LabCluster(
        provider="sim",
        name="kubelab",
        kubeconfig=kubeconfig,
        context="kubelab-sim",
        namespace="default",
        capabilities=frozenset({"loadbalancer", "nodeport-from-host", "multi-node"}),
        nodeport_host="127.0.0.1",
        host_ports_path=HOST_PORTS_PATH,
    )
    store = ProgressStore(tmp_path / "progress.json")
    with KubeClient(kubeconfig, lab.context, lab.namespace) as client:
        yield Journey(client, lab, store, tmp_path / "kubectl-cache", {})


@pytest.mark.timeout(900)
def test_the_course_in_order(journey: Journey) -> None:
    walk(journey, LESSONS)


@pytest.mark.timeout(900)
def test_the_course_in_reverse(journey: Journey) -> None:
    walk(journey, list(reversed(LESSONS)))


@pytest.mark.timeout(900)
def test_the_course_in_a_shuffled_order(journey: Journey) -> None:
    order = list(LESSONS)
    random.Random(12).shuffle(order)
    walk(journey, order)
