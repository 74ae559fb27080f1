"""Remappable keys: `KUBELAB_KEYS="check=f5,hint=ctrl+h"` maps binding ids to keys."""

from __future__ import annotations

import os

KEYS_ENV = "KUBELAB_KEYS"


class KeymapError(ValueError):
    """The keymap text is not `id=key[,id=key...]`."""


def parse_keymap(text: str) -> dict[str, str]:
    """`"check=f5, hint=ctrl+h"` -> {"check": "f5", "hint": "ctrl+h"}. Several keys for one id
    are joined with `|` in the text (`check=f5|ctrl+g`) and become Textual's comma list."""
    keymap: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        binding_id, sep, keys = item.partition("=")
        if not sep or not binding_id.strip() or not keys.strip():
            raise KeymapError(f"{KEYS_ENV}: expected id=key, got {item!r}")
        keymap[binding_id.strip()] = ",".join(k.strip() for k in keys.split("|"))
    return keymap


def keymap_from_env() -> dict[str, str]:
    return parse_keymap(os.environ.get(KEYS_ENV, ""))
