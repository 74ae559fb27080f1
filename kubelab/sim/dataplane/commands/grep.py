"""grep (and egrep): basic, extended or fixed patterns on RE2 (regex.py, linear time), with the
options one-liners use: -e -i -v -w -x -c -l -q -n -o -h -s -F -E."""

from __future__ import annotations

from kubelab.sim.dataplane.commands.common import UsageError, lines_of, split_flags
from kubelab.sim.dataplane.commands.regex import Regex, RegexError, compile_regex, escape
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError

USAGE = "Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] PATTERN/-e PATTERN.../-f FILE [FILE]...\n"


def bre_to_python(pattern: str, extended: bool) -> str:
    """grep's basic/extended regular expression syntax to Python's."""
    if extended:
        return pattern.replace("[[:space:]]", r"[\s]").replace("[[:digit:]]", r"[0-9]")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            n = pattern[i + 1]
            out.append(n if n in "(){}|+?" else "\\" + n)
            i += 2
            continue
        out.append("\\" + c if c in "(){}|+?" else c)
        i += 1
    return "".join(out).replace("[[:space:]]", r"[\s]").replace("[[:digit:]]", r"[0-9]")


async def grep(inv: Invocation) -> int:
    try:
        flags, rest = split_flags(inv.args, with_value="eAB")
    except UsageError as exc:
        return await inv.fail(exc.message, 2)
    patterns = [flags["e"]] if "e" in flags else []
    if not patterns:
        if not rest:
            await inv.err(USAGE)
            return 2
        patterns = [rest.pop(0)]
    try:
        regex = compile_regex(_pattern(inv, flags, patterns), ignore_case="i" in flags)
    except RegexError as exc:
        return await inv.fail(f"bad regex '{patterns[0]}': {exc.message}", 2)
    sources, status_err = await _sources(inv, flags, rest)
    show_names = len(rest) > 1 and "h" not in flags
    out: list[str] = []
    count = 0
    for name, text in sources:
        file_count = _search(regex, flags, name if show_names else None, text, out)
        if file_count and "q" in flags:
            return 0
        if "c" in flags:
            out.append((f"{name}:" if show_names else "") + f"{file_count}\n")
        if "l" in flags and file_count:
            out.append(name + "\n")
        count += file_count
    await inv.out("".join(out))
    if status_err and not count:
        return 2
    return 0 if count else (status_err or 1)


def _pattern(inv: Invocation, flags: dict[str, str], patterns: list[str]) -> str:
    """One regular expression for every pattern, with -F, -E (or egrep), -w and -x applied."""
    fixed = "F" in flags
    extended = "E" in flags or inv.name == "egrep"
    parts = [escape(p) if fixed else bre_to_python(p, extended) for p in patterns]
    pattern = "|".join(f"(?:{p})" for p in parts)
    if "w" in flags:
        pattern = rf"\b(?:{pattern})\b"
    if "x" in flags:
        pattern = rf"^(?:{pattern})$"
    return pattern


async def _sources(
    inv: Invocation, flags: dict[str, str], names: list[str]
) -> tuple[list[tuple[str, str]], int]:
    """(name, text) of each input (stdin when none is named), and 2 if a file could not be
    read (said on stderr unless -s)."""
    sources: list[tuple[str, str]] = []
    status_err = 0
    if not names:
        sources.append(("(standard input)", await inv.stdin.read_all()))
    for name in names:
        if name == "-":
            sources.append(("(standard input)", await inv.stdin.read_all()))
            continue
        try:
            sources.append((name, inv.container.files.read(inv.path(name))))
        except FsError as exc:
            if "s" not in flags:
                await inv.err(f"grep: {name}: {exc.reason}\n")
            status_err = 2
    return sources, status_err


def _search(
    regex: Regex, flags: dict[str, str], name: str | None, text: str, out: list[str]
) -> int:
    """The lines of `text` that match (or, with -v, do not), each added to `out` as the
    options print it (prefixed with `name:` unless `name` is None); how many there were. With
    -q it stops at the first."""
    invert = "v" in flags
    count = 0
    for n, line in enumerate(lines_of(text), 1):
        hit = regex.search(line) is not None
        if hit == invert:
            continue
        count += 1
        if "q" in flags:
            return count
        if "l" in flags or "c" in flags:
            continue
        prefix = (f"{name}:" if name is not None else "") + (f"{n}:" if "n" in flags else "")
        if "o" in flags and not invert:
            out.extend(f"{prefix}{m.group(0)}\n" for m in regex.finditer(line) if m.group(0))
        else:
            out.append(f"{prefix}{line}\n")
    return count
