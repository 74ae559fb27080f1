"""The kubectl commands in a step's Markdown code blocks, for copying into the console."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(```|~~~)[^\n]*\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)


def code_commands(markdown: str) -> list[str]:
    """Every line of a fenced code block that is a kubectl command (a leading `$ ` dropped),
    with backslash-continued lines joined, in order of appearance."""
    commands: list[str] = []
    for match in _FENCE.finditer(markdown):
        joined = re.sub(r"\s*\\\n\s*", " ", match.group(2))
        for raw in joined.splitlines():
            line = raw.strip().removeprefix("$ ").strip()
            if line.startswith("kubectl ") or line == "kubectl":
                commands.append(line)
    return commands
