"""The lesson screen's keys: the step's actions, and scrolling the lesson text from anywhere
but the console. Each binding has an id, so `KUBELAB_KEYS` can remap it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: the lesson pane scrolls from wherever the focus is (the console keeps these keys: they are
#: the shell's while it has the focus)
SCROLL_BINDINGS: list[BindingType] = [
    Binding(
        "pageup",
        "scroll_lesson('page_up')",
        "Page up",
        id="scroll.page_up",
        tooltip="Scroll the lesson up a page",
        show=False,
        priority=True,
    ),
    Binding(
        "pagedown",
        "scroll_lesson('page_down')",
        "Page down",
        id="scroll.page_down",
        tooltip="Scroll the lesson down a page",
        show=False,
        priority=True,
    ),
    Binding(
        "home",
        "scroll_lesson('home')",
        "Top",
        id="scroll.home",
        tooltip="To the top of the lesson text",
        show=False,
        priority=True,
    ),
    Binding(
        "end",
        "scroll_lesson('end')",
        "Bottom",
        id="scroll.end",
        tooltip="To the end of the lesson text (the results)",
        show=False,
        priority=True,
    ),
]

#: every key of the lesson screen, in the order the footer and the help show them
LESSON_BINDINGS: list[BindingType] = [
    Binding("c,f5", "check", "Check", id="check", tooltip="Grade this step now"),
    Binding("n", "next_step", "Next", id="next_step", tooltip="Go to the next step"),
    Binding(
        "p",
        "previous_step",
        "Prev",
        id="previous_step",
        tooltip="The previous step",
        show=False,
    ),
    Binding("h", "hint", "Hint", id="hint", tooltip="Reveal the next hint (one at a time)"),
    Binding("s", "solution", "Solution", id="solution", tooltip="Reveal the solution (asks first)"),
    Binding(
        "a",
        "apply_solution",
        "Apply",
        id="apply",
        tooltip="Apply the solution to the cluster; the step counts as assisted (asks first)",
    ),
    Binding("r", "reset_step", "Reset", id="reset_step", tooltip="Undo this step's work (asks)"),
    Binding(
        "R",
        "reset_lesson",
        "Reset lesson",
        id="reset_lesson",
        tooltip="Empty the lesson's namespace and start over (asks first)",
        show=False,
    ),
    Binding(
        "y",
        "copy_command",
        "Copy",
        id="copy_command",
        tooltip="Type the next command of the instructions in the console, not run (a "
        "YAML block the step applies comes as a here-document saving it)",
        show=False,
    ),
    Binding(
        "i,colon",
        "focus_console",
        "Console",
        id="console",
        tooltip="Type in the console (your shell); ctrl+] comes back",
    ),
    Binding("m", "toggle_map", "Map", id="map", tooltip="The live map of the namespace"),
    Binding(
        "l",
        "lessons",
        "Lessons",
        id="lessons",
        tooltip="Back to the lesson list",
        show=False,
    ),
    Binding("f1,question_mark", "app.help", "Help", id="help", tooltip="All keys"),
    Binding("q", "app.quit", "Quit", id="quit", tooltip="Leave kubelab", show=False),
    *SCROLL_BINDINGS,
]
