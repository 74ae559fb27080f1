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

KEY_NAMES = {"question_mark": "?", "colon": ":"}


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


def help_table(
    sections: list[tuple[str, list[BindingType]]],
    keymap: Mapping[str, str],
    *,
    in_browser: bool = False,
    also: Sequence[BindingType] = (),
) -> Table:
    """Every key of `sections`; `in_browser` adds the keys a browser keeps and what to press
    instead (looked up in `also` too: the app's own keys)."""
    table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
    table.add_column("key", style="bold", no_wrap=True, width=12)
    table.add_column("what", ratio=1)
    if in_browser:
        # first: in a browser these are the keys that behave differently
        from kubelab.tui.browser_keys import browser_rows

        table.add_row("[u]Browser[/u]", "Keys a browser keeps, and what to press instead")
        for key, instead in browser_rows([*sections, ("", list(also))], keymap, key_name):
            table.add_row(key, instead)
        table.add_row("", "")
    for title, bindings in sections:
        table.add_row(f"[u]{title}[/u]", "")
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            keys = keymap.get(binding.id or "", binding.key)
            shown = ", ".join(key_name(k) for k in keys.split(","))
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
        self,
        sections: list[tuple[str, list[BindingType]]],
        keymap: Mapping[str, str],
        *,
        in_browser: bool = False,
        also: Sequence[BindingType] = (),
    ) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap
        self.in_browser = in_browser
        self.also = also

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static("kubelab keys", id="help-title")
            table = help_table(
                self.sections, self.keymap, in_browser=self.in_browser, also=self.also
            )
            yield Static(table, id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
