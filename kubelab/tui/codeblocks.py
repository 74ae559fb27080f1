"""What `y` types in the console: the commands of a step's Markdown code blocks, and the YAML
blocks the step applies, as here-documents that save them under the name it applies."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^(```|~~~)([^\n]*)\n(.*?)^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_APPLIED_FILE = re.compile(r"kubectl apply -f ([\w./-]+\.ya?ml)\b")
_SAFE_NAME = re.compile(r"^[\w.-]+\.ya?ml$")
HEREDOC_END = "EOF"


def code_commands(markdown: str) -> list[str]:
    """In order of appearance: every line of a fenced code block that is a kubectl command (a
    leading `$ ` dropped, backslash-continued lines joined), and for a YAML block followed
    by `kubectl apply -f NAME.yaml`, the here-document that saves it as NAME.yaml."""
    commands: list[str] = []
    for match in _FENCE.finditer(markdown):
        info, code = match.group(2).strip().lower(), match.group(3)
        if info in ("yaml", "yml"):
            saved = save_command(code, markdown[match.end() :])
            if saved is not None:
                commands.append(saved)
            continue
        joined = re.sub(r"\s*\\\n\s*", " ", code)
        for raw in joined.splitlines():
            line = raw.strip().removeprefix("$ ").strip()
            if line.startswith("kubectl ") or line == "kubectl":
                commands.append(line)
    return commands


def save_command(yaml_text: str, after: str) -> str | None:
    """`cat > NAME <<'EOF' ... EOF` for the first file the text after the block applies; None
    when it applies none (or a path, or the YAML holds the end marker)."""
    applied = _APPLIED_FILE.search(after)
    if applied is None or not _SAFE_NAME.match(applied.group(1)):
        return None
    lines = yaml_text.rstrip("\n").split("\n")
    if HEREDOC_END in lines:
        return None
    return "\n".join([f"cat > {applied.group(1)} <<'{HEREDOC_END}'", *lines, HEREDOC_END])
