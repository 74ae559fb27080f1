"""Lesson text: Markdown whose code blocks fold long lines instead of cutting them.

Textual's code blocks scroll sideways with no scrollbar, so at 80 columns the end of a long
command is simply not there. Here a line wider than the pane continues on the next row after a
dim `↪` (broken before a space where one is near the edge), so every character can be read.
"""

from __future__ import annotations

import contextlib

from textual.app import ComposeResult
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownBlock, MarkdownFence

CONTINUATION = "↪"


def fold_line(line: Content, width: int) -> list[Content]:
    """`line` as rows of at most `width` cells; rows after the first start with the dim marker.
    A row breaks before a space near the edge, so a continued row shows its space after the
    marker (`↪ --image`), while `↪--image` continues a word; the rows joined (markers dropped)
    give `line` back, character for character."""
    marker = len(CONTINUATION)
    if width <= marker + 1 or line.cell_length <= width:
        return [line]
    rows: list[Content] = []
    rest = line
    room = width
    while rest.cell_length > room:
        cut = rest.plain.rfind(" ", 1, room + 1)
        if cut < room // 2:  # no space near the edge: break inside the word
            cut = room
        head, rest = rest.divide([cut])
        rows.append(head)
        room = width - marker
    rows.append(rest)
    return [rows[0], *(Content.styled(CONTINUATION, "dim") + row for row in rows[1:])]


class FoldedCode(Widget):
    """Highlighted code, folded to the widget's width."""

    DEFAULT_CSS = """
    FoldedCode {
        height: auto;
        width: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, code: Content) -> None:
        super().__init__()
        self.code = code
        self._folded: tuple[int, list[Content]] | None = None

    def set_code(self, code: Content) -> None:
        self.code = code
        self._folded = None
        self.refresh(layout=True)

    def rows(self, width: int) -> list[Content]:
        if self._folded is None or self._folded[0] != width:
            lines = self.code.split("\n", allow_blank=True)
            while lines and not lines[-1].plain:
                lines.pop()
            folded = [row for line in lines for row in fold_line(line, width)]
            self._folded = (width, folded)
        return self._folded[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.rows(width))

    def render(self) -> Content:
        return Content("\n").join(self.rows(self.content_region.width or self.size.width))


class FoldedFence(MarkdownFence):
    """A fenced code block that folds its long lines."""

    DEFAULT_CSS = """
    FoldedFence {
        overflow: hidden hidden;
        padding: 1 0;
        margin: 1 0;
    }
    """

    @property
    def allow_horizontal_scroll(self) -> bool:
        return False

    def set_content(self, content: Content) -> None:
        self._content = content
        # not composed yet: compose() uses the new content
        with contextlib.suppress(NoMatches):
            self.query_one(FoldedCode).set_code(content)

    def compose(self) -> ComposeResult:
        yield FoldedCode(self._highlighted_code)


class LessonMarkdown(Markdown):
    """Markdown for lesson text: code blocks fold instead of being cut."""

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        if block_name in ("fence", "code_block"):
            return FoldedFence
        return super().get_block_class(block_name)
