"""The course shipped with kubelab: it lints clean, and the wheel carries it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kubelab.lessons.loader import bundled_course_root, load_course

if TYPE_CHECKING:
    from conftest import Ran

REPO = Path(__file__).resolve().parents[3]


def test_bundled_course_loads_without_problems() -> None:
    course = load_course()
    assert course.problems == []
    assert len(course.lessons) == 13
    names = [loaded.path.name for loaded in course.lessons]
    assert names == sorted(names)
    assert names[0] == "01-why-services.yaml"


def test_kubelab_lint_on_the_bundled_course_exits_0(kubelab: Callable[..., Ran]) -> None:
    ran = kubelab("lint")
    assert ran.exit_code == 0, ran.stdout
    assert "13 lesson(s) checked, no problems" in ran.stderr


def test_every_step_has_a_solution_hints_and_explained_checks() -> None:
    for loaded in load_course().lessons:
        for step in loaded.lesson.steps:
            where = f"{loaded.lesson.id}/{step.id}"
            assert step.solution.manifests or step.solution.commands, where
            assert step.hints, f"{where} has no hints"
            for check in step.checks:
                assert len(check.explain) > 20, f"{where}: {check.name} explains too little"


def test_lessons_json_lists_the_bundled_course(kubelab: Callable[..., Ran]) -> None:
    ran = kubelab("lessons", "--json")
    assert ran.exit_code == 0
    listing = json.loads(ran.stdout)
    assert [item["id"] for item in listing][:3] == [
        "why-services",
        "clusterip-service",
        "endpoints",
    ]
    assert all(item["steps"] and {"id", "title"} <= set(item["steps"][0]) for item in listing)


def test_docs_lessons_lists_every_lesson() -> None:
    text = (REPO / "docs" / "lessons.md").read_text(encoding="utf-8")
    for loaded in load_course().lessons:
        assert f"`{loaded.lesson.id}`" in text, loaded.lesson.id
    assert "docs/lessons.md" in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", str(REPO), "-w", str(out)],
        check=True,
        timeout=120,
        capture_output=True,
    )  # fmt: skip
    (built,) = out.glob("kubelab-*.whl")
    return built


def test_the_wheel_ships_lessons_manifests_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (REPO / "lessons").glob("*.yaml"):
        assert f"kubelab/_course/lessons/{path.name}" in names
    for path in (REPO / "manifests").glob("*.yaml"):
        assert f"kubelab/_course/manifests/{path.name}" in names
    assert "kubelab/lessons/lesson.schema.json" in names


def test_an_installed_wheel_finds_the_bundled_course(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import kubelab.lessons.loader as l; c = l.load_course(); "
        "print(l.bundled_course_root()); print(len(c.lessons), len(c.problems))"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    root, counts = done.stdout.splitlines()
    assert Path(root) == site / "kubelab" / "_course"
    assert counts == "13 0"


def test_bundled_course_root_in_a_checkout_is_the_repository() -> None:
    assert bundled_course_root() == REPO


def test_the_authoring_guide_example_lints_clean(
    tmp_path: Path, kubelab: Callable[..., Ran]
) -> None:
    text = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    blocks = text.split("```yaml\n")
    lesson = blocks[1].split("```", 1)[0]
    service = blocks[2].split("```", 1)[0]
    (tmp_path / "lessons").mkdir()
    (tmp_path / "manifests").mkdir()
    (tmp_path / "lessons" / "01-first-service.yaml").write_text(lesson, encoding="utf-8")
    (tmp_path / "manifests" / "web-svc.yaml").write_text(service, encoding="utf-8")
    deployment = (REPO / "manifests" / "web-deployment.yaml").read_text(encoding="utf-8")
    (tmp_path / "manifests" / "web-deployment.yaml").write_text(deployment, encoding="utf-8")
    ran = kubelab("lint", "--lessons", str(tmp_path))
    assert ran.exit_code == 0, ran.stdout
