"""Keys a browser keeps never reach the lab: every lab key has another, and the help says which."""

from __future__ import annotations

from rich.console import Console
from textual.binding import Binding, BindingType

from kubelab.tui.app import KubelabApp
from kubelab.tui.browser_keys import browser_rows, kept
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.error import ErrorScreen
from kubelab.tui.screens.help import HelpScreen, help_rows, help_table, key_text
from kubelab.tui.screens.home import HomeScreen
from kubelab.tui.screens.lesson import LessonScreen
from kubelab.tui.widgets.console import Console as LabConsole

EVERY_SCREEN: list[tuple[str, list[BindingType]]] = [
    ("app", list(KubelabApp.BINDINGS)),
    ("home", list(HomeScreen.BINDINGS)),
    ("lesson", list(LessonScreen.BINDINGS)),
    ("console", list(LabConsole.BINDINGS)),
    ("help", list(HelpScreen.BINDINGS)),
    ("confirm", list(ConfirmScreen.BINDINGS)),
    ("error", list(ErrorScreen.BINDINGS)),
]


def rendered(table: object) -> str:
    console = Console(width=140, record=True)
    console.print(table)
    return console.export_text()


def test_every_action_of_the_lab_has_a_key_the_browser_lets_through() -> None:
    keys_of: dict[str, list[str]] = {}
    for _, bindings in EVERY_SCREEN:
        for binding in bindings:
            assert isinstance(binding, Binding)
            keys_of.setdefault(binding.action.removeprefix("app."), []).extend(
                binding.key.split(",")
            )
    stuck = {action: keys for action, keys in keys_of.items() if all(kept(k) for k in keys)}
    assert not stuck


def test_the_help_in_a_browser_names_the_kept_keys_and_what_to_press_instead() -> None:
    sections: list[tuple[str, list[BindingType]]] = [
        ("Lesson", list(LessonScreen.BINDINGS)),
        ("Console", list(LabConsole.BINDINGS)),
    ]
    text = rendered(help_table(help_rows(sections, {}, in_browser=True, also=KubelabApp.BINDINGS)))
    assert "keys a browser keeps" in text
    rows = dict(browser_rows([*sections, ("", list(KubelabApp.BINDINGS))], {}, key_text))
    assert rows["f5"].startswith("Check: press c (")
    assert rows["f1"].startswith("Help: press ? (")
    assert rows["ctrl+q"].startswith("Quit: press q (")
    assert "alt+backspace" in rows["ctrl+w"]
    for key in ("f5", "ctrl+q", "ctrl+w", "ctrl+n"):
        assert key in text
    # the terminal's help is unchanged
    assert "keys a browser keeps" not in rendered(help_table(help_rows(sections, {})))


def test_a_key_remapped_onto_one_the_browser_keeps_is_flagged() -> None:
    sections: list[tuple[str, list[BindingType]]] = [("Lesson", list(LessonScreen.BINDINGS))]
    rows = browser_rows(sections, {"hint": "ctrl+t"})
    flagged = ("ctrl+t", "Hint: no other key (the browser opens a tab): remap it with KUBELAB_KEYS")
    assert flagged in rows
