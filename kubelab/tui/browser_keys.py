"""Keys a browser keeps for itself: in `kubelab web` they never reach the lab, so each lab key
among them needs another key, and the help screen says which.

Chromium hands these to the browser before any page sees them (IsReservedCommandOrKey in
chrome/browser/ui/browser_command_controller.cc: close tab/window, new tab/window, reopen tab,
next/previous tab, quit); Firefox reserves the same. The page may take the others listed, but
some browsers (or their settings) keep them too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual.binding import Binding, BindingType

BROWSER_KEEPS: dict[str, str] = {
    "ctrl+w": "closes the tab",
    "ctrl+shift+w": "closes the window",
    "ctrl+t": "opens a tab",
    "ctrl+shift+t": "reopens a closed tab",
    "ctrl+n": "opens a window",
    "ctrl+shift+n": "opens a private window",
    "ctrl+tab": "shows the next tab",
    "ctrl+shift+tab": "shows the previous tab",
    "ctrl+pagedown": "shows the next tab",
    "ctrl+pageup": "shows the previous tab",
    "ctrl+shift+q": "quits the browser",
}
BROWSER_MAY_KEEP: dict[str, str] = {
    "f1": "may open its help",
    "f5": "may reload the page, ending this lab",
    "ctrl+r": "may reload the page, ending this lab",
    "f11": "may go full screen",
    "ctrl+q": "quits (Firefox does)",
}
# The console's shell keys a browser keeps, with what to press instead.
SHELL_ALTERNATIVES: tuple[tuple[str, str], ...] = (
    ("ctrl+w", "console, delete the word before the cursor: press alt+backspace"),
    ("ctrl+n", "console, next command in the history: press down"),
    ("ctrl+t", "console, swap two characters: retype them"),
)


def kept(key: str) -> str | None:
    """What the browser does with `key`, when it may keep it."""
    return BROWSER_KEEPS.get(key) or BROWSER_MAY_KEEP.get(key)


def _keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    return [k.strip() for k in keymap.get(binding.id or "", binding.key).split(",") if k.strip()]


def browser_rows(
    sections: Sequence[tuple[str, Sequence[BindingType]]],
    keymap: Mapping[str, str],
    shown: Callable[[str], str] = str,
) -> list[tuple[str, str]]:
    """(key, what to press instead) for every lab key a browser may keep: the other keys of the
    same action anywhere in `sections`; then the console's shell keys."""
    bindings = [b for _, group in sections for b in group if isinstance(b, Binding)]
    by_action: dict[str, list[str]] = {}
    for binding in bindings:
        action = binding.action.removeprefix("app.")
        by_action.setdefault(action, []).extend(_keys(binding, keymap))
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for binding in bindings:
        action = binding.action.removeprefix("app.")
        for key in _keys(binding, keymap):
            reason = kept(key)
            if reason is None or (key, action) in seen:
                continue
            seen.add((key, action))
            others = [k for k in dict.fromkeys(by_action[action]) if kept(k) is None]
            what = binding.description or action
            if others:
                instead = f"press {', '.join(shown(k) for k in others)} (the browser {reason})"
            else:
                instead = f"no other key (the browser {reason}): remap it with KUBELAB_KEYS"
            rows.append((shown(key), f"{what}: {instead}"))
    rows.extend(SHELL_ALTERNATIVES)
    return rows
