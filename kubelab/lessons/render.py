"""`${name}` placeholders: filled from bindings (`namespace` and the lesson's own bindings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelab.lessons.model import PLACEHOLDER


class MissingBinding(ValueError):
    """A `${name}` placeholder has no value among the bindings given."""

    def __init__(self, name: str, known: Mapping[str, str | int]) -> None:
        self.name = name
        known_names = ", ".join(sorted(known)) or "none"
        super().__init__(f"no value for placeholder ${{{name}}} (bindings: {known_names})")


def substitute(text: str, bindings: Mapping[str, str | int]) -> str:
    """`text` with every `${name}` replaced by its binding; `MissingBinding` if one is unknown."""

    def replace(match: Any) -> str:
        name = match.group(1)
        if name not in bindings:
            raise MissingBinding(name, bindings)
        return str(bindings[name])

    return PLACEHOLDER.sub(replace, text)


def substitute_data(obj: Any, bindings: Mapping[str, str | int]) -> Any:
    """A copy of a parsed structure with placeholders filled in every string (keys included).

    A string that is exactly one placeholder (`"${node_port}"`) takes the binding's own type, so
    `nodePort: ${node_port}` becomes an integer.
    """
    if isinstance(obj, str):
        whole = PLACEHOLDER.fullmatch(obj)
        if whole is not None:
            name = whole.group(1)
            if name not in bindings:
                raise MissingBinding(name, bindings)
            return bindings[name]
        return substitute(obj, bindings)
    if isinstance(obj, dict):
        return {substitute_data(k, bindings): substitute_data(v, bindings) for k, v in obj.items()}
    if isinstance(obj, list):
        return [substitute_data(item, bindings) for item in obj]
    return obj
