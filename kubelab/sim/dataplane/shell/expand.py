"""Word expansion helpers: field splitting and pathname (glob) expansion over the container's
file system. Parameter/command/arithmetic expansion itself lives in the interpreter, which
owns the variables and can run command substitutions."""

from __future__ import annotations

import fnmatch
import posixpath

from kubelab.sim.dataplane.vfs import FileSystem

IFS_WHITESPACE = " \t\n"

# A piece of an expanded word: its text, and whether it came from an unquoted expansion
# (only those are split into fields).
Segment = tuple[str, bool]


def split_fields(segments: list[Segment]) -> list[str]:
    """POSIX field splitting with the default IFS; quoted empty text still makes a field."""
    fields: list[str] = []
    current: str | None = None
    for text, splittable in segments:
        if not splittable:
            current = (current or "") + text
            continue
        pieces = text.split()
        if not pieces:
            if text and current is not None:
                fields.append(current)
                current = None
            continue
        if text[0] in IFS_WHITESPACE and current is not None:
            fields.append(current)
            current = None
        for i, piece in enumerate(pieces):
            if i > 0 and current is not None:
                fields.append(current)
                current = None
            current = (current or "") + piece
        if text[-1] in IFS_WHITESPACE and current is not None:
            fields.append(current)
            current = None
    if current is not None:
        fields.append(current)
    return fields


def has_glob(text: str) -> bool:
    return any(c in text for c in "*?[")


def glob(pattern: str, fs: FileSystem, cwd: str) -> list[str]:
    """Matches of a glob pattern in the file system, sorted; [] if none match."""
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    bases = ["/" if absolute else ""]
    for part in parts:
        nxt: list[str] = []
        for base in bases:
            real = fs.resolve(base or ".", cwd)
            if has_glob(part):
                if not fs.is_dir(real):
                    continue
                for name in fs.listdir(real):
                    if name.startswith(".") and not part.startswith("."):
                        continue
                    if fnmatch.fnmatchcase(name, part):
                        nxt.append(posixpath.join(base, name) if base else name)
            else:
                candidate = posixpath.join(base, part) if base else part
                if fs.exists(fs.resolve(candidate, cwd)):
                    nxt.append(candidate)
        bases = nxt
    return sorted(bases) if bases != ["/" if absolute else ""] else []
