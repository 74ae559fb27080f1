"""Everything fits at 80x24: every line of every code block of every step (and solution) of every
bundled lesson can be read in full on the lesson screen, folded where it is wider than the pane,
with no character lost. What is checked is what the widgets paint, not what they were given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from markdown_it import MarkdownIt
from tui_support import REPO, StaticProvider, wait_for

from kubelab.cluster.base import ClusterError, ClusterStatus, LabCluster
from kubelab.grading.results import StepResult
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.tui.app import create_app
from kubelab.tui.progress_adapter import StoreProgress
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.services import Bindings, Services
from kubelab.tui.shell_session import PtyShellRunner
from kubelab.tui.widgets.lesson_markdown import CONTINUATION, FoldedCode, FoldedFence

if TYPE_CHECKING:
    from kubelab.lessons.model import Step


pytestmark = pytest.mark.timeout(300)
KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: lab, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: lab, user: {token: t}}]
contexts: [{name: lab, context: {cluster: lab, user: lab}}]
"""


class NoStatusProvider(StaticProvider):
    def status(self) -> ClusterStatus:
        raise ClusterError("no cluster behind this test")


class IdleGrader:
    """Lessons open without a cluster: nothing is applied, nothing is graded."""

    def start_lesson(
        self,
        cluster: LabCluster,
        loaded: LoadedLesson,
        previous: Bindings,
        step_id: str | None = None,
    ) -> Any:
        return {"namespace": "lab"}

    def start_step(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> list[str]:
        return []  # a step's own setup (lesson 13's breakages) has no cluster to change

    def grade(
        self, cluster: LabCluster, loaded: LoadedLesson, step_id: str, bindings: Bindings
    ) -> StepResult:
        step = loaded.lesson.step(step_id)
        return StepResult(loaded.lesson.id, step_id, step.title if step else step_id, checks=[])

    def watch(self, *args: Any) -> Iterator[dict[str, Any]]:
        return iter(())

    def close(self) -> None:
        pass


def painted_lines(code: FoldedCode) -> list[str]:
    """The code block's source lines as painted: rows read back from the widget's strips, the
    padding dropped, continuation rows joined to the row they continue."""
    width, height = code.region.size
    strips = code.render_lines(code.region.reset_offset)
    assert len(strips) == height
    left = code.content_region.x - code.region.x
    inner = code.content_region.width
    lines: list[str] = []
    for strip in strips:
        assert strip.cell_length <= width
        row = strip.text[left : left + inner].rstrip()
        if row.startswith(CONTINUATION) and lines:
            lines[-1] += row.removeprefix(CONTINUATION)
        else:
            lines.append(row)
    return lines


def fenced_blocks(screen: LessonScreen, step: Step) -> list[list[str]]:
    """The code blocks the step shows (instructions, then the revealed solution), line by line,
    as the lesson's Markdown has them."""
    from textual.widgets import Markdown

    blocks = []
    for selector in ("#lesson-body", "#solution"):
        source = screen.query_one(selector, Markdown).source
        for token in MarkdownIt("gfm-like").parse(source):
            if token.type in ("fence", "code_block"):
                lines = token.content.rstrip("\n").split("\n")
                blocks.append([line.rstrip() for line in lines])
    return blocks


def shown_blocks(screen: LessonScreen) -> list[list[str]] | None:
    """The code blocks as painted on the lesson screen right now (None while one is still being
    built)."""
    codes = [list(fence.query(FoldedCode)) for fence in screen.query(FoldedFence)]
    if not all(codes):
        return None
    return [painted_lines(code[0]) for code in codes]


async def test_every_code_line_of_every_lesson_is_readable_at_80x24(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SHELL", "sh")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(KUBECONFIG)
    cluster = LabCluster(
        provider="sim",
        name="lab",
        kubeconfig=kubeconfig,
        context="lab",
        namespace="lab",
        capabilities=frozenset({"loadbalancer", "nodeport-from-host", "multi-node"}),
    )
    course = load_course(REPO)
    assert len(course.lessons) == 13 and not course.problems
    services = Services(
        load_course=lambda: course,
        resolve_provider=lambda yes=False: NoStatusProvider(cluster),
        grader=IdleGrader(),  # type: ignore[arg-type]
        progress=StoreProgress(tmp_path / "progress.json"),
        console=PtyShellRunner(),
        kubectl=lambda: Path("/nonexistent/kubectl"),
    )
    app = create_app(services, keymap={}, watch_mode=False)
    checked = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(lambda: app.cluster is not None and app.course is not None)
        for loaded in course.lessons:
            app.open_lesson(loaded.lesson.id)
            await wait_for(lambda: isinstance(app.screen, LessonScreen))
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await wait_for(lambda s=screen: s.bindings is not None, what="the lesson start")
            for index, step in enumerate(loaded.lesson.steps):
                assert not app.errors, app.errors
                screen._go(index)
                screen.solution_shown.add(step.id)
                screen.show_step()
                where = f"{loaded.lesson.id}/{step.id}"
                wanted_blocks = fenced_blocks(screen, step)
                # the step's Markdown is rebuilt in the background: wait until what is painted
                # is this step's (a busy machine takes longer), then hold it to every line
                await wait_for(
                    lambda s=screen, w=wanted_blocks: shown_blocks(s) == w,
                    timeout=30,
                    what=f"every code line of {where} painted in full",
                    shown=lambda s=screen, w=wanted_blocks: f"\n{shown_blocks(s)}\n!=\n{w}",
                )
                view = screen.query_one("#step-view")
                # nothing in the pane reaches past its right edge (its scrollbar aside): the pane
                # cannot scroll sideways, so anything wider would be cut
                wide = [
                    f"{w!r} {w.region}"
                    for w in view.query("*")
                    if w.region.right > view.content_region.right
                ]
                assert not wide, f"{where}: cut at the right edge: {wide}"
                checked += sum(len(block) for block in wanted_blocks)
            app.pop_screen()
            await pilot.pause()
    assert checked > 300  # every lesson has code; the solutions' YAML is checked too
