"""Every key of every screen, with what it does (remapped keys shown as remapped)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {"question_mark": "?", "colon": ":"}


def help_table(sections: list[tuple[str, list[BindingType]]], keymap: Mapping[str, str]) -> Table:
    table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
    table.add_column("key", style="bold", no_wrap=True, width=12)
    table.add_column("what", ratio=1)
    for title, bindings in sections:
        table.add_row(f"[u]{title}[/u]", "")
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = keymap.get(binding.id or "", binding.key)
            shown = ", ".join(KEY_NAMES.get(k, k) for k in keys.split(","))
            what = binding.tooltip or binding.description
            table.add_row(shown, what)
    table.add_row("", "")
    table.add_row("ctrl+p", "Command palette: every action by name")
    table.add_row("", "Keys are remappable: KUBELAB_KEYS='check=f5,hint=ctrl+h' (by id)")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "close", "Close", id="help.close")
    ]

    def __init__(
        self, sections: list[tuple[str, list[BindingType]]], keymap: Mapping[str, str]
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static("kubelab keys", id="help-title")
            yield Static(help_table(self.sections, self.keymap), id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
