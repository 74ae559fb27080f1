"""`${name}` placeholders: filled from bindings (`namespace` and the lesson's own bindings).

A placeholder's name is lowercase letters, digits and `_` (`${node_port}`). `$${` is the escape: it
stands for a literal `${`, so `$${HOME}` renders as `${HOME}` (a shell's variable in a command or a
body). Any other `${...}` (`${AGENT_URL}`) is left as written, and `kubelab lint` reports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PLACEHOLDER_NAME = re.compile(r"[a-z_][a-z0-9_]*")
ESCAPE = "$${"
_TOKEN = re.compile(r"\$\$\{(?=[^}\s]*\})|\$\{([^}\s]*)\}")


@dataclass(frozen=True)
class Placeholder:
    """One `${...}` in a text (escapes excluded); `valid` when its name is a placeholder name."""

    start: int
    name: str

    @property
    def valid(self) -> bool:
        return PLACEHOLDER_NAME.fullmatch(self.name) is not None


def find_placeholders(text: str) -> Iterator[Placeholder]:
    """Every `${...}` in `text`, valid or not, skipping escaped `$${...}`."""
    for match in _TOKEN.finditer(text):
        if match.group(1) is not None:
            yield Placeholder(match.start(), match.group(1))


def fill(text: str, value: Callable[[str], str]) -> str:
    """`text` with each valid placeholder replaced by `value(name)` and each `$${` by `${`."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "${"
        if PLACEHOLDER_NAME.fullmatch(name) is None:
            return match.group(0)
        return value(name)

    return _TOKEN.sub(replace, text)


class MissingBinding(ValueError):
    """A `${name}` placeholder has no value among the bindings given."""

    def __init__(self, name: str, known: Mapping[str, str | int]) -> None:
        self.name = name
        known_names = ", ".join(sorted(known)) or "none"
        super().__init__(f"no value for placeholder ${{{name}}} (bindings: {known_names})")


def substitute(text: str, bindings: Mapping[str, str | int]) -> str:
    """`text` with every `${name}` replaced by its binding; `MissingBinding` if one is unknown."""

    def value(name: str) -> str:
        if name not in bindings:
            raise MissingBinding(name, bindings)
        return str(bindings[name])

    return fill(text, value)


def whole_placeholder(text: str) -> str | None:
    """The name when `text` is exactly one valid placeholder (`"${node_port}"`), else None."""
    if text.startswith("${") and text.endswith("}") and PLACEHOLDER_NAME.fullmatch(text[2:-1]):
        return text[2:-1]
    return None


def substitute_data(obj: Any, bindings: Mapping[str, str | int]) -> Any:
    """A copy of a parsed structure with placeholders filled in every string (keys included).

    A string that is exactly one placeholder (`"${node_port}"`) takes the binding's own type, so
    `nodePort: ${node_port}` becomes an integer.
    """
    if isinstance(obj, str):
        name = whole_placeholder(obj)
        if name is not None:
            if name not in bindings:
                raise MissingBinding(name, bindings)
            return bindings[name]
        return substitute(obj, bindings)
    if isinstance(obj, dict):
        return {substitute_data(k, bindings): substitute_data(v, bindings) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute_data(item, bindings) for item in obj]
    return obj
