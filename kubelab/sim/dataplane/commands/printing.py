"""echo and printf: backslash escapes (`echo -e`, `%b`) and printf(3)'s conversions, whose
output streams a chunk at a time (a huge field width never builds one string)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kubelab.sim.dataplane.process import Invocation

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


@dataclass(frozen=True)
class _Directive:
    """One `%...` conversion of a printf format: `%[flags][width][.precision]conv`."""

    flags: str
    width: str
    precision: str
    conv: str


_DIRECTIVE = re.compile(r"%([-+ 0#]*)(\d*)(?:\.(\d+))?([sdibxXoc%])")


async def printf(inv: Invocation) -> int:
    if not inv.args:
        return await inv.fail("usage: printf FORMAT [ARGUMENT...]")
    fmt, args = inv.args[0], list(inv.args[1:])
    out = _Output(inv)
    status = 0
    while True:  # the format is reused while arguments are left
        consumed, ok = await _format_pass(inv, out, fmt, args)
        if not ok:
            status = 1
        if not args or not consumed:
            break
    await out.flush()
    return status


async def _format_pass(
    inv: Invocation, out: _Output, fmt: str, args: list[str]
) -> tuple[bool, bool]:
    """One pass over the format, taking the arguments it converts from `args`: whether it took
    any, and whether every conversion succeeded."""
    consumed = False
    ok = True
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "\\":
            text, _ = unescape(fmt[i : i + 2])
            await out.add(text)
            i += 2
            continue
        m = _DIRECTIVE.match(fmt, i) if c == "%" else None
        if m is None:
            await out.add(c)
            i += 1
            continue
        i = m.end()
        directive = _Directive(m.group(1), m.group(2), m.group(3) or "", m.group(4))
        if directive.conv == "%":
            await out.add("%")
            continue
        arg = args.pop(0) if args else ""
        consumed = True
        if not await _convert(inv, out, directive, arg):
            ok = False
    return consumed, ok


async def _convert(inv: Invocation, out: _Output, d: _Directive, arg: str) -> bool:
    """Write `arg` converted by `d`; False when the conversion failed."""
    width = int(d.width or "0")
    if width > INT_MAX or (d.precision and int(d.precision) > INT_MAX):
        return False  # printf(3) fails with EOVERFLOW: nothing of this conversion
    if d.conv in "dioxX":
        return await _integer(inv, out, d, width, arg)
    if d.conv == "b":
        text, _ = unescape(arg)
    elif d.conv == "c":
        text = arg[:1]
    else:
        text = arg
    if d.precision:
        text = text[: int(d.precision)]
    await _formatted(out, d.flags, width, text, numeric=False)
    return True


async def _integer(inv: Invocation, out: _Output, d: _Directive, width: int, arg: str) -> bool:
    """`%d %i %o %x %X`: a number (`'c` is the code of c), its precision's zeros after the sign,
    padded to `width`; an argument that is not a number counts as 0 and fails the conversion."""
    ok = True
    try:
        num = int(arg or "0", 0) if not arg.startswith("'") else ord(arg[1:2] or "\0")
    except ValueError:
        await inv.err(f"printf: invalid number '{arg}'\n")
        ok = False
        num = 0
    flags, precision = d.flags, d.precision
    body, zeros = _precise(flags, precision, d.conv, num)
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
    return ok
