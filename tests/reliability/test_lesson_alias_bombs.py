"""A YAML alias bomb in a lesson file or in a manifest a lesson references is a located problem,
decided before expansion (as for submissions and request bodies), so `kubelab lint`, `lessons`
and the TUI never stall on one file. The bombs expand to 10^6 nodes: harmless if unprotected."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LEVELS = 6


def bomb_lines(levels: int = LEVELS) -> list[str]:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return ["  " + line for line in lines]


GOOD_LESSON = """\
format_version: 1
id: {id}
title: A lesson
summary: One step.
steps:
  - id: one
    title: One
    body: Do it.
    solution:
      manifests: [../manifests/{manifest}]
    checks:
      - kind: assert
        name: exists
        explain: Look.
        object: {{kind: ConfigMap, name: b}}
        match: {{data: {{a: "1"}}}}
"""


def course_root(tmp_path: Path) -> Path:
    """A course folder whose name says nothing: lint prints the course's folder name, and the
    test's own folder (named after the test) has "alias" in it."""
    root = tmp_path / "course"
    root.mkdir()
    return root


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubelab", "lint", "--lessons", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_an_alias_bomb_lesson_is_a_located_problem(tmp_path: Path) -> None:
    tmp_path = course_root(tmp_path)
    (tmp_path / "lessons").mkdir()
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "ok.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {a: '1'}\n"
    )
    lesson = GOOD_LESSON.format(id="bomb", manifest="ok.yaml") + "x-bomb:\n"
    (tmp_path / "lessons" / "01-bomb.yaml").write_text(lesson + "\n".join(bomb_lines()) + "\n")
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    text = (done.stdout + done.stderr).replace(str(tmp_path), "<course>")
    assert "01-bomb.yaml:" in text
    assert "alias" in text, text  # the problem names the aliasing (not just the file's path)
    assert "Traceback" not in done.stderr


def test_an_alias_bomb_manifest_is_a_located_problem(tmp_path: Path) -> None:
    tmp_path = course_root(tmp_path)
    (tmp_path / "lessons").mkdir()
    (tmp_path / "manifests").mkdir()
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata:\n"
    (tmp_path / "manifests" / "bomb.yaml").write_text(manifest + "\n".join(bomb_lines()) + "\n")
    (tmp_path / "lessons" / "01-ok.yaml").write_text(
        GOOD_LESSON.format(id="ok", manifest="bomb.yaml")
    )
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    text = (done.stdout + done.stderr).replace(str(tmp_path), "<course>")
    assert "bomb.yaml" in text and "alias" in text, text
    assert "Traceback" not in done.stderr
