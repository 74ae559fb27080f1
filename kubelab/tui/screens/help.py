"""Every key of every screen, with what it does (remapped keys shown as remapped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {"question_mark": "?", "colon": ":", "right_square_bracket": "]"}


def key_text(keys: str) -> str:
    """Textual's key names as the learner reads them: `ctrl+right_square_bracket` -> `ctrl+]`."""
    shown = []
    for key in keys.split(","):
        *mods, base = key.split("+")
        shown.append("+".join([*mods, KEY_NAMES.get(base, base)]))
    return ", ".join(shown)


def help_rows(
    sections: list[tuple[str, list[BindingType]]],
    keymap: Mapping[str, str],
    *,
    in_browser: bool = False,
    also: Sequence[BindingType] = (),
) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding, a section title as ("", title). `in_browser`
    puts first the keys a browser keeps and what to press instead (looked up in `also` too:
    the app's own keys)."""
    rows: list[tuple[str, str]] = []
    if in_browser:
        from kubelab.tui.browser_keys import browser_rows

        rows.append(("", "Browser: keys a browser keeps, and what to press instead"))
        rows.extend(browser_rows([*sections, ("", list(also))], keymap, key_text))
    for title, bindings in sections:
        rows.append(("", title))
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = keymap.get(binding.id or "", binding.key)
            rows.append((key_text(keys), binding.tooltip or binding.description))
    return rows


def help_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
    table.add_column("key", style="bold", no_wrap=True, width=12)
    table.add_column("what", ratio=1)
    for keys, what in rows:
        if keys:
            table.add_row(keys, what)
        else:
            table.add_row("", f"[u]{what}[/u]")
    table.add_row("", "")
    table.add_row("ctrl+p", "Command palette: every action by name (not in the console)")
    table.add_row("", "Keys are remappable: KUBELAB_KEYS='check=f5,hint=ctrl+h' (by id)")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="help.close"),
        Binding("pageup", "scroll('page_up')", "Page up", show=False),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False),
        Binding("up", "scroll('up')", "Up", show=False),
        Binding("down", "scroll('down')", "Down", show=False),
        Binding("home", "scroll('home')", "Top", show=False),
        Binding("end", "scroll('end')", "Bottom", show=False),
    ]

    def __init__(
        self,
        sections: list[tuple[str, list[BindingType]]],
        keymap: Mapping[str, str],
        *,
        in_browser: bool = False,
        also: Sequence[BindingType] = (),
    ) -> None:
        super().__init__()
        self.rows = help_rows(sections, keymap, in_browser=in_browser, also=also)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static("kubelab keys", id="help-title")
            yield Static(help_table(self.rows), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, how: str) -> None:
        """The keys scroll the help wherever the focus is."""
        pane = self.query_one("#dialog", VerticalScroll)
        {
            "page_up": pane.scroll_page_up,
            "page_down": pane.scroll_page_down,
            "up": pane.scroll_up,
            "down": pane.scroll_down,
            "home": pane.scroll_home,
            "end": pane.scroll_end,
        }[how](animate=False)
