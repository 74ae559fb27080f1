"""Text utilities: cat, echo, printf, grep, head, tail, wc, sort, uniq, cut, tr, tee, seq."""

from __future__ import annotations

import re

from kubelab.sim.dataplane.commands.common import (
    UsageError,
    is_gnu,
    lines_of,
    read_inputs,
    split_flags,
)
from kubelab.sim.dataplane.commands.regex import RegexError, compile_regex, escape
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


ESCAPES = {
    "n": "\n",
    "t": "\t",
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "r": "\r",
    "v": "\v",
    "f": "\f",
    "e": "\x1b",
}


def unescape(text: str) -> tuple[str, bool]:
    """Backslash escapes of `echo -e` / `%b`; True as second value when `\\c` stops output."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "c":
                return "".join(out), True
            if n in ESCAPES:
                out.append(ESCAPES[n])
                i += 2
                continue
            if n == "0":
                j = i + 2
                digits = ""
                while j < len(text) and len(digits) < 3 and text[j] in "01234567":
                    digits += text[j]
                    j += 1
                out.append(chr(int(digits or "0", 8)))
                i = j
                continue
        out.append(c)
        i += 1
    return "".join(out), False


async def echo(inv: Invocation) -> int:
    args = list(inv.args)
    newline = True
    escapes = False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flag = args.pop(0)
        newline = newline and "n" not in flag
        if "e" in flag:
            escapes = True
        if "E" in flag:
            escapes = False
    text = " ".join(args)
    if escapes:
        text, stop = unescape(text)
        if stop:
            newline = False
    await inv.out(text + ("\n" if newline else ""))
    return 0


INT_MAX = 2**31 - 1  # printf(3) takes widths and precisions as C ints
CHUNK = 1 << 16  # padding longer than this is written a chunk at a time


class _Output:
    """printf's output, handed to stdout a chunk at a time: a huge field width streams (with
    the reader's back-pressure, and ends when the reader is gone), never builds one string."""

    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.parts: list[str] = []
        self.size = 0

    async def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            await self.flush()

    async def pad(self, char: str, count: int) -> None:
        while count > 0:
            step = min(count, CHUNK)
            await self.add(char * step)
            count -= step

    async def flush(self) -> None:
        if self.parts:
            text, self.parts, self.size = "".join(self.parts), [], 0
            await self.inv.out(text)


async def _formatted(out: _Output, flags: str, width: int, body: str, numeric: bool) -> None:
    """`body` padded to `width` as printf(3) pads: `-` left-justifies, `0` pads a number with
    zeros after its sign, anything else pads with spaces in front."""
    fill = width - len(body)
    if fill <= 0:
        await out.add(body)
    elif "-" in flags:
        await out.add(body)
        await out.pad(" ", fill)
    elif "0" in flags and numeric:
        sign = body[:1] if body[:1] in "+- " else ""
        await out.add(sign)
        await out.pad("0", fill)
        await out.add(body[len(sign) :])
    else:
        await out.pad(" ", fill)
        await out.add(body)


def _precise(flags: str, precision: str, conv: str, num: int) -> tuple[str, int]:
    """A number converted with printf's flags but no width or precision, and how many zeros
    the precision puts in front of its digits."""
    spec = "%" + flags.replace("-", "").replace("0", "") + ("d" if conv == "i" else conv)
    body = spec % num
    if not precision:
        return body, 0
    sign = body[:1] if body[:1] in "+- " else ""
    digits = len(body) - len(sign)
    return body, max(0, int(precision) - digits)


async def printf(inv: Invocation) -> int:
    if not inv.args:
        return await inv.fail("usage: printf FORMAT [ARGUMENT...]")
    fmt, args = inv.args[0], list(inv.args[1:])
    out = _Output(inv)
    status = 0
    while True:
        consumed = False
        i = 0
        while i < len(fmt):
            c = fmt[i]
            if c == "\\":
                text, _ = unescape(fmt[i : i + 2])
                await out.add(text)
                i += 2
                continue
            if c != "%":
                await out.add(c)
                i += 1
                continue
            m = re.match(r"%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdibxXoc%])", fmt[i:])
            if not m:
                await out.add(c)
                i += 1
                continue
            i += m.end()
            flags, width_text, precision = m.group(1), m.group(2), m.group(3) or ""
            conv = m.group(4)
            if conv == "%":
                await out.add("%")
                continue
            arg = args.pop(0) if args else ""
            consumed = True
            width = int(width_text or "0")
            if width > INT_MAX or (precision and int(precision) > INT_MAX):
                status = 1  # printf(3) fails with EOVERFLOW: nothing of this conversion
                continue
            if conv in "dioxX":
                try:
                    num = int(arg or "0", 0) if not arg.startswith("'") else ord(arg[1:2] or "\0")
                except ValueError:
                    await inv.err(f"printf: invalid number '{arg}'\n")
                    status = 1
                    num = 0
                body, zeros = _precise(flags, precision, conv, num)
                sign = body[:1] if body[:1] in "+- " else ""
                fill = max(0, width - len(body) - zeros)
                if "-" not in flags and not ("0" in flags and not precision):
                    await out.pad(" ", fill)
                await out.add(sign)
                if "0" in flags and "-" not in flags and not precision:
                    await out.pad("0", fill)
                await out.pad("0", zeros)
                await out.add(body[len(sign) :])
                if "-" in flags:
                    await out.pad(" ", fill)
                continue
            if conv == "b":
                text, _ = unescape(arg)
            elif conv == "c":
                text = arg[:1]
            else:
                text = arg
            if precision:
                text = text[: int(precision)]
            await _formatted(out, flags, width, text, numeric=False)
        if not args or not consumed:
            break
    await out.flush()
    return status


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
            await inv.err(
                "Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] PATTERN/-e PATTERN.../-f FILE "
                "[FILE]...\n"
            )
            return 2
        patterns = [rest.pop(0)]
    fixed = "F" in flags
    extended = "E" in flags or inv.name == "egrep"
    parts = [escape(p) if fixed else bre_to_python(p, extended) for p in patterns]
    pattern = "|".join(f"(?:{p})" for p in parts)
    if "w" in flags:
        pattern = rf"\b(?:{pattern})\b"
    if "x" in flags:
        pattern = rf"^(?:{pattern})$"
    try:
        regex = compile_regex(pattern, ignore_case="i" in flags)
    except RegexError as exc:
        return await inv.fail(f"bad regex '{patterns[0]}': {exc.message}", 2)
    invert = "v" in flags
    count = 0
    status_err = 0
    show_names = len(rest) > 1 and "h" not in flags
    out: list[str] = []
    sources: list[tuple[str, str]] = []
    if not rest:
        sources.append(("(standard input)", await inv.stdin.read_all()))
    for name in rest:
        if name == "-":
            sources.append(("(standard input)", await inv.stdin.read_all()))
            continue
        try:
            sources.append((name, inv.container.files.read(inv.path(name))))
        except FsError as exc:
            if "s" not in flags:
                await inv.err(f"grep: {name}: {exc.reason}\n")
            status_err = 2
    for name, text in sources:
        file_count = 0
        for n, line in enumerate(lines_of(text), 1):
            hit = regex.search(line) is not None
            if hit == invert:
                continue
            file_count += 1
            if "q" in flags:
                return 0
            if "l" in flags or "c" in flags:
                continue
            prefix = (f"{name}:" if show_names else "") + (f"{n}:" if "n" in flags else "")
            if "o" in flags and not invert:
                out.extend(f"{prefix}{m.group(0)}\n" for m in regex.finditer(line) if m.group(0))
            else:
                out.append(f"{prefix}{line}\n")
        if "c" in flags:
            out.append((f"{name}:" if show_names else "") + f"{file_count}\n")
        if "l" in flags and file_count:
            out.append(name + "\n")
        count += file_count
    await inv.out("".join(out))
    if status_err and not count:
        return 2
    return 0 if count else (status_err or 1)


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
