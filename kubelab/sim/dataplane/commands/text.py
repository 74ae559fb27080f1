"""Text utilities: cat, head, tail, wc, sort, uniq, cut, tr, tee, seq (echo and printf are in
printing.py, grep in grep.py)."""

from __future__ import annotations

import re

from kubelab.sim.dataplane.commands.common import (
    UsageError,
    is_gnu,
    lines_of,
    read_inputs,
    split_flags,
)
from kubelab.sim.dataplane.commands.printing import unescape
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError


async def cat(inv: Invocation) -> int:
    _, files = split_flags(inv.args)
    status = 0
    for name in files or ["-"]:
        if name == "-":
            # stream stdin as it arrives (an interactive `cat` echoes line by line)
            while chunk := await inv.stdin.read():
                await inv.out(chunk)
            continue
        try:
            await inv.out(inv.container.files.read(inv.path(name)))
        except FsError as exc:
            status = 1
            if is_gnu(inv):
                await inv.err(f"cat: {name}: {exc.reason}\n")
            else:
                await inv.err(f"cat: can't open '{name}': {exc.reason}\n")
    return status


def _count_option(args: list[str]) -> list[str]:
    """`head -5` means `head -n 5`."""
    return [f"-n{a[1:]}" if re.fullmatch(r"-\d+", a) else a for a in args]


async def head(inv: Invocation) -> int:
    try:
        flags, files = split_flags(_count_option(inv.args), with_value="nc")
    except UsageError as exc:
        return await inv.fail(exc.message)
    if "c" in flags:
        texts, status = await read_inputs(inv, files)
        await inv.out("".join(t[: int(flags["c"])] for t in texts))
        return status
    n = flags.get("n", "10")
    if not n.lstrip("-").isdigit():
        return await inv.fail(f"invalid number '{n}'")
    count = int(n)
    if not files and count >= 0:
        # read only what is needed, then stop reading (the writer gets SIGPIPE)
        taken: list[str] = []
        while len(taken) < count:
            line = await inv.stdin.readline()
            if not line:
                break
            taken.append(line)
        inv.stdin.close_reader()
        await inv.out("".join(taken))
        return 0
    texts, status = await read_inputs(inv, files)
    for i, (name, text) in enumerate(zip(files or ["-"], texts, strict=False)):
        if len(files) > 1:
            await inv.out(("\n" if i else "") + f"==> {name} <==\n")
        lines = text.splitlines(keepends=True)
        await inv.out("".join(lines[:count]))
    return status


async def tail(inv: Invocation) -> int:
    try:
        flags, files = split_flags(_count_option(inv.args), with_value="nc")
    except UsageError as exc:
        return await inv.fail(exc.message)
    texts, status = await read_inputs(inv, files)
    n = flags.get("n", "10")
    from_start = n.startswith("+")
    if not n.lstrip("+-").isdigit():
        return await inv.fail(f"invalid number '{n}'")
    count = int(n.lstrip("+-"))
    for text in texts:
        if "c" in flags:
            await inv.out(text[-int(flags["c"]) :])
            continue
        lines = text.splitlines(keepends=True)
        chosen = lines[count - 1 :] if from_start else (lines[-count:] if count else [])
        await inv.out("".join(chosen))
    return status


async def wc(inv: Invocation) -> int:
    flags, files = split_flags(inv.args)
    texts, status = await read_inputs(inv, files)
    wanted = [c for c in "lwcm" if c in flags] or ["l", "w", "c"]
    rows: list[tuple[list[int], str]] = []
    for name, text in zip(files or [""], texts, strict=False):
        counts = {
            "l": text.count("\n"),
            "w": len(text.split()),
            "c": len(text.encode()),
            "m": len(text),
        }
        rows.append(([counts[c] for c in wanted], name))
    if len(rows) > 1:
        totals = [sum(r[0][i] for r in rows) for i in range(len(wanted))]
        rows.append((totals, "total"))
    gnu = is_gnu(inv)
    for nums, name in rows:
        if len(nums) == 1 and len(rows) == 1:
            line = str(nums[0])
        elif gnu:
            line = " ".join(f"{v:7d}" for v in nums)
        else:
            line = " ".join(f"{v:9d}" for v in nums)
        await inv.out(line + (f" {name}" if name else "") + "\n")
    return status


async def sort(inv: Invocation) -> int:
    try:
        flags, files = split_flags(inv.args, with_value="kt")
    except UsageError as exc:
        return await inv.fail(exc.message)
    texts, status = await read_inputs(inv, files)
    lines = [ln for t in texts for ln in lines_of(t)]
    sep = flags.get("t")
    field_no = int(flags["k"].split(",")[0].split(".")[0]) if "k" in flags else 0

    def key_text(line: str) -> str:
        if not field_no:
            return line
        parts = line.split(sep) if sep else line.split()
        return parts[field_no - 1] if field_no - 1 < len(parts) else ""

    if "n" in flags:

        def num(line: str) -> tuple[float, str]:
            m = re.match(r"\s*(-?\d+(?:\.\d+)?)", key_text(line))
            return (float(m.group(1)) if m else 0.0, line)

        lines.sort(key=num, reverse="r" in flags)
    else:
        lines.sort(key=key_text, reverse="r" in flags)
    if "u" in flags:
        unique: dict[str, str] = {}
        for ln in lines:
            unique.setdefault(key_text(ln), ln)
        lines = list(unique.values())
    await inv.out("".join(ln + "\n" for ln in lines))
    return status


async def uniq(inv: Invocation) -> int:
    flags, files = split_flags(inv.args)
    texts, status = await read_inputs(inv, files[:1])
    groups: list[list[str]] = []
    for line in lines_of(texts[0] if texts else ""):
        if groups and groups[-1][0] == line:
            groups[-1].append(line)
        else:
            groups.append([line])
    out: list[str] = []
    for group in groups:
        if "d" in flags and len(group) < 2:
            continue
        if "u" in flags and len(group) > 1:
            continue
        out.append((f"{len(group):7d} " if "c" in flags else "") + group[0] + "\n")
    await inv.out("".join(out))
    return status


async def cut(inv: Invocation) -> int:
    try:
        flags, files = split_flags(inv.args, with_value="dfc")
    except UsageError as exc:
        return await inv.fail(exc.message)
    if "f" not in flags and "c" not in flags:
        return await inv.fail("expected a list of bytes, characters, or fields")
    texts, status = await read_inputs(inv, files)
    spec = flags.get("f") or flags.get("c", "")
    wanted: list[tuple[int, int]] = []
    for piece in spec.split(","):
        a, dash, b = piece.partition("-")
        lo = int(a) if a else 1
        hi = (int(b) if b else 10**9) if dash else lo
        wanted.append((lo, hi))

    def keep(i: int) -> bool:
        return any(lo <= i <= hi for lo, hi in wanted)

    delim = flags.get("d", "\t")
    out: list[str] = []
    for text in texts:
        for line in lines_of(text):
            if "c" in flags:
                out.append("".join(ch for i, ch in enumerate(line, 1) if keep(i)) + "\n")
            elif delim not in line:
                out.append(line + "\n")
            else:
                fields = line.split(delim)
                out.append(delim.join(f for i, f in enumerate(fields, 1) if keep(i)) + "\n")
    await inv.out("".join(out))
    return status


def _expand_set(spec: str) -> str:
    spec = unescape(spec)[0]
    classes = {"[:upper:]": "A-Z", "[:lower:]": "a-z", "[:digit:]": "0-9", "[:space:]": " \t\n"}
    for name, value in classes.items():
        spec = spec.replace(name, value)
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


async def tr(inv: Invocation) -> int:
    flags, sets = split_flags(inv.args)
    text = await inv.stdin.read_all()
    if not sets:
        return await inv.fail("missing operand")
    first = _expand_set(sets[0])
    if "d" in flags:
        await inv.out("".join(c for c in text if c not in first))
        return 0
    if len(sets) < 2:
        return await inv.fail("missing operand")
    second = _expand_set(sets[1])
    if second:
        second = second + second[-1] * max(0, len(first) - len(second))
    table = str.maketrans(first, second[: len(first)])
    result = text.translate(table)
    if "s" in flags:
        result = re.sub("([" + re.escape(second) + "])\\1+", r"\1", result)
    await inv.out(result)
    return 0


async def tee(inv: Invocation) -> int:
    flags, files = split_flags(inv.args)
    fs = inv.container.files
    paths = [inv.path(f) for f in files]
    status = 0
    for path, name in zip(paths, files, strict=True):
        try:
            if "a" not in flags or not fs.exists(path):
                fs.write(path, "")
        except FsError as exc:
            await inv.err(f"tee: {name}: {exc.reason}\n")
            status = 1
    while chunk := await inv.stdin.read():
        for path in paths:
            if fs.exists(path):
                fs.write(path, chunk, append=True)
        await inv.out(chunk)
    return status


async def seq(inv: Invocation) -> int:
    args = list(inv.args)
    flags: dict[str, str] = {}
    while (args and args[0] in ("-w", "-s")) or (args and args[0].startswith("-s")):
        opt = args.pop(0)
        if opt == "-w":
            flags["w"] = ""
        elif opt == "-s":
            flags["s"] = args.pop(0) if args else ""
        else:
            flags["s"] = opt[2:]
    nums = args
    if not 1 <= len(nums) <= 3:
        await inv.err("Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST\n")
        return 1
    values: list[float] = []
    for n in nums:
        if not re.fullmatch(r"-?\d+(\.\d+)?", n):
            return await inv.fail(f"invalid number '{n}'")
        values.append(float(n))
    if len(values) == 1:
        first, inc, last = 1.0, 1.0, values[0]
    elif len(values) == 2:
        first, inc, last = values[0], 1.0, values[1]
    else:
        first, inc, last = values
    if inc == 0:
        return 1
    decimals = max((len(n.split(".")[1]) for n in nums if "." in n), default=0)
    out: list[str] = []
    cur = first
    width = len(f"{max(abs(first), abs(last)):.{decimals}f}") if "w" in flags else 0
    while (inc > 0 and cur <= last + 1e-9) or (inc < 0 and cur >= last - 1e-9):
        text = f"{cur:.{decimals}f}"
        out.append(text.zfill(width) if width else text)
        cur += inc
        if len(out) >= 1_000_000:
            break
    if out:
        await inv.out(flags.get("s", "\n").join(out) + "\n")
    return 0
