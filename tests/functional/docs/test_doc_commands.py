"""The docs run: every `kubelab ...` command in README.md and docs/*.md, and every lesson id they
name, against the bundled course.

- Commands in code blocks that a CI job or an instructor runs as written are run, on the
  simulator, in a folder holding what the docs assume (`my-course`, `submission/`): the lab
  cluster is brought up with `kubelab up --cluster sim` and taken down last. They must not end
  in exit 2 ("could not do what was asked"); grading may pass or fail.
- The learner's commands (`start`, `hint`, `grade`, `solve`, `reset`, `next`) run in the order
  the docs give them, as a learner would type them.
- Interactive or cluster-creating commands (the lab itself, `shell`, `watch`, `test` of the
  whole course, `up` on kind, `sim serve`) are resolved: click parses the whole line, as it
  would run it.
- Synopses and inline mentions are checked for their command and options.
- Every lesson (and step) a command or a documented workflow names exists in the bundled course.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from kubelab.cli import main
from kubelab.lessons.loader import load_course
from tests.command_lines import resolve
from tests.functional.docs.doc_commands import DocCommand, doc_commands, workflow_lessons

REPO = Path(__file__).resolve().parents[3]
RUN = {"lessons", "lint", "schema", "grade", "status", "env", "init-assignment"}
RUN |= {"start", "hint", "solve", "reset", "next"}  # the learner's path in a terminal
SIM_ONLY = {"up", "down"}  # run when they name the simulator, else resolved
SOURCE = "kubelab @ git+https://github.com/example-school/kubelab@v0.1.0"
COMMANDS = doc_commands()
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)?")


def runnable(command: DocCommand) -> bool:
    words = command.words
    if not command.in_block or command.synopsis or len(words) < 2:
        return False
    if words[1] in ("--version", "--help"):
        return True
    if words[1] in SIM_ONLY:
        return "--cluster" in words and words[words.index("--cluster") + 1] == "sim"
    return words[1] in RUN


def lesson_targets(command: DocCommand) -> list[str]:
    """The lesson (or lesson/step) arguments of a grade, test or init-assignment line."""
    words = command.words
    if len(words) < 3 or words[1] not in ("grade", "test", "init-assignment"):
        return []
    if command.synopsis or not command.in_block:
        # a mention: the lesson-looking words right after the command
        named = []
        for word in words[2:]:
            if not SLUG.fullmatch(word):
                break
            named.append(word)
        return named[:1] if words[1] != "test" else named
    ctx = resolve(command.line)
    if words[1] == "grade":
        return [ctx.params["target"]] if ctx.params.get("target") else []
    if words[1] == "test":
        return list(ctx.params["lesson_ids"])
    return [ctx.params["target"]]


@pytest.fixture
def docs_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding what the docs' commands assume, as the current directory."""
    folder = tmp_path / "work"
    (folder / "my-course").mkdir(parents=True)
    for part in ("lessons", "manifests"):
        shutil.copytree(REPO / part, folder / "my-course" / part)
    (folder / "submission").mkdir()
    shutil.copy(REPO / "manifests" / "nginx-svc.yaml", folder / "submission" / "nginx-svc.yaml")
    monkeypatch.chdir(folder)
    return folder


def test_the_docs_hold_commands_to_check() -> None:
    assert sum(runnable(c) for c in COMMANDS) >= 8
    assert any(c.words[1:2] == ["grade"] and "--submission" in c.words for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: f"{c.where}: {c.line}"[:90])
def test_each_command_resolves(command: DocCommand, docs_folder: Path) -> None:
    words = command.words
    if command.synopsis or not command.in_block:
        # the command and the options it names exist
        if len(words) > 1 and not words[1].startswith("-"):
            sub = main.get_command(click.Context(main), words[1])
            assert sub is not None, f"{command.where}: no command {words[1]!r}"
        else:
            sub = main
        options = {o for p in sub.params for o in (*p.opts, *p.secondary_opts)}
        options |= {"--help"} | ({"--version"} if sub is main else set())
        for word in words[2:] if sub is not main else words[1:]:
            name = word.split("=", 1)[0].strip("[]").rstrip(".").split("[", 1)[0]
            if name.startswith("--"):
                assert name in options, f"{command.where}: `kubelab {words[1]}` has no {name}"
        return
    resolve(command.line)


@pytest.mark.parametrize(
    "command",
    [c for c in COMMANDS if c.words[1:2] in (["grade"], ["test"], ["init-assignment"])],
    ids=lambda c: f"{c.where}: {c.line}"[:90],
)
def test_each_lesson_named_exists(command: DocCommand, docs_folder: Path) -> None:
    check_targets(lesson_targets(command), command.where)


def test_each_documented_workflow_grades_a_lesson_that_exists() -> None:
    found = workflow_lessons()
    assert found
    for target, where in found:
        check_targets([target], where)


def check_targets(targets: list[str], where: str) -> None:
    course = load_course(None)
    for target in targets:
        lesson_id, _, step_id = target.partition("/")
        loaded = course.find(lesson_id)
        assert loaded is not None, f"{where}: no lesson {lesson_id!r} in the bundled course"
        if step_id:
            assert loaded.lesson.step(step_id) is not None, f"{where}: no step {target!r}"


@pytest.fixture
def environment(docs_folder: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.update(
        KUBELAB_STATE_DIR=str(docs_folder.parent / "state"),
        HOME=str(docs_folder.parent),
        NO_COLOR="1",
        GITHUB_STEP_SUMMARY=str(docs_folder.parent / "summary.md"),
    )
    for name in ("KUBELAB_CLUSTER", "KUBECONFIG", "KUBELAB_LESSONS"):
        env.pop(name, None)
    yield env
    subprocess.run(
        [sys.executable, "-m", "kubelab", "down", "--cluster", "sim", "--yes"],
        env=env, cwd=docs_folder, capture_output=True, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_runnable_commands_run_on_the_simulator(
    docs_folder: Path, environment: dict[str, str]
) -> None:
    commands = [c for c in COMMANDS if runnable(c)]
    # the lab first, its teardown last, as a reader would
    up = [c for c in commands if c.words[1] == "up"]
    down = [c for c in commands if c.words[1] == "down"]
    middle = [c for c in commands if c not in up and c not in down]
    ran = []
    for command in [*up, *middle, *down] or []:
        args = command.words[1:]
        if args[0] == "init-assignment":
            # kubelab runs here from a folder CI cannot reach: name where CI installs it from
            target = docs_folder / f"assignment-{len(ran)}"
            args = [*args[:2], str(target), "--kubelab-source", SOURCE]
        done = subprocess.run(
            [sys.executable, "-m", "kubelab", *args], env=environment, cwd=docs_folder,
            capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert done.returncode in (0, 1), (
            f"{command.where}: `{command.line}` exited {done.returncode}:\n{done.stderr[-1500:]}"
        )
        assert "Traceback" not in done.stderr, f"{command.where}: {done.stderr[-1500:]}"
        if args[0] in ("lessons", "lint", "schema", "init-assignment", "up", "down", "env"):
            assert done.returncode == 0, f"{command.where}: `{command.line}`: {done.stderr}"
        ran.append(command.line)
    assert any(line.startswith("kubelab grade") for line in ran)
