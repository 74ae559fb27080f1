"""`od`: busybox's desktop od (coreutils/od_bloaty.c, GNU od's format): offsets in octal,
16 bytes a line, `*` for repeated lines, the formats of -t (a c d o u x, sizes 1 2 4 8) and
the -b -c -d -o -s -x shorthands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubelab.sim.dataplane.commands.binary import TooLarge, read_input
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError

LINE = 16
SHORTHANDS = {"b": "o1", "c": "c", "d": "u2", "o": "o2", "s": "d2", "x": "x2"}
ADDRESS = {"o": "{:07o}", "d": "{:07d}", "x": "{:06x}", "n": ""}
# Field widths of od_bloaty.c's formats, by letter and size in bytes.
WIDTHS = {
    "o": {1: 3, 2: 6, 4: 11, 8: 22},
    "x": {1: 2, 2: 4, 4: 8, 8: 16},
    "u": {1: 3, 2: 5, 4: 10, 8: 20},
    "d": {1: 4, 2: 6, 4: 11, 8: 20},
}
CHAR_NAMES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}
ASCII_NAMES = [
    *("nul", "soh", "stx", "etx", "eot", "enq", "ack", "bel", "bs", "ht", "nl", "vt"),
    *("ff", "cr", "so", "si", "dle", "dc1", "dc2", "dc3", "dc4", "nak", "syn", "etb"),
    *("can", "em", "sub", "esc", "fs", "gs", "rs", "us", "sp"),
]


class OdError(Exception):
    pass


@dataclass
class Format:
    size: int
    width: int
    render: Callable[[bytes], str]


def _char(chunk: bytes) -> str:
    b = chunk[0]
    if b in CHAR_NAMES:
        return CHAR_NAMES[b]
    if 32 <= b < 127:
        return chr(b)
    return f"{b:03o}"


def _named(chunk: bytes) -> str:
    b = chunk[0] & 0x7F
    if b <= 32:
        return ASCII_NAMES[b]
    return "del" if b == 127 else chr(b)


def parse_format(spec: str) -> list[Format]:
    out: list[Format] = []
    i = 0
    while i < len(spec):
        letter = spec[i]
        i += 1
        if letter in "ca":
            out.append(Format(1, 3, _char if letter == "c" else _named))
            continue
        if letter not in WIDTHS:
            raise OdError(f"invalid character '{letter}' in type string '{spec}'")
        size = 4  # an int, when no size is given
        digits = ""
        while i < len(spec) and spec[i].isdigit():
            digits += spec[i]
            i += 1
        if digits:
            size = int(digits)
        elif i < len(spec) and spec[i] in "CSIL":
            size = {"C": 1, "S": 2, "I": 4, "L": 8}[spec[i]]
            i += 1
        if size not in WIDTHS[letter]:
            raise OdError(f"invalid type string '{spec}'")
        out.append(Format(size, WIDTHS[letter][size], _number(letter, size)))
    return out


def _number(letter: str, size: int) -> Callable[[bytes], str]:
    def render(chunk: bytes) -> str:
        value = int.from_bytes(chunk.ljust(size, b"\0"), "little", signed=letter == "d")
        return format(value, {"o": "o", "x": "x", "u": "d", "d": "d"}[letter]).rjust(
            WIDTHS[letter][size], "0" if letter in "ox" else " "
        )

    return render


def _field_widths(formats: list[Format]) -> list[list[int]]:
    """Each format's field widths in a 16-byte block: od_bloaty.c spreads the padding that
    makes all formats as wide as the widest over the fields (`pad * (n - i - 1) / n`)."""
    per_block = max((f.width + 1) * (LINE // f.size) for f in formats)
    out = []
    for f in formats:
        count = LINE // f.size
        pad = per_block - f.width * count
        widths = []
        remaining = pad
        for i in range(count):
            next_pad = pad * (count - i - 1) // count
            widths.append(remaining - next_pad + f.width)
            remaining = next_pad
        out.append(widths)
    return out


def render_lines(
    data: bytes, formats: list[Format], address: str, verbose: bool, start: int = 0
) -> str:
    widths = _field_widths(formats)
    out: list[str] = []
    previous: bytes | None = None
    starred = False
    for offset in range(0, len(data), LINE):
        line = data[offset : offset + LINE]
        if not verbose and line == previous and len(line) == LINE:
            if not starred:
                out.append("*\n")
                starred = True
            continue
        previous, starred = line, False
        for n, fmt in enumerate(formats):
            prefix = address.format(start + offset) if n == 0 else " " * len(address.format(0))
            fields = [
                fmt.render(line[i : i + fmt.size]).rjust(widths[n][i // fmt.size])
                for i in range(0, len(line), fmt.size)
            ]
            out.append(prefix + "".join(fields) + "\n")
    if address:
        out.append(address.format(start + len(data)) + "\n")
    return "".join(out)


def _options(args: list[str]) -> tuple[list[str], str, bool, int | None, int, list[str]]:
    specs: list[str] = []
    address = "o"
    verbose = False
    limit: int | None = None
    skip = 0
    files: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            files.extend(args[i + 1 :])
            break
        if not arg.startswith("-") or arg == "-":
            files.append(arg)
            i += 1
            continue
        j = 1
        while j < len(arg):
            c = arg[j]
            if c in "AtNj":
                value = arg[j + 1 :]
                if not value:
                    i += 1
                    if i >= len(args):
                        raise OdError(f"option requires an argument -- '{c}'")
                    value = args[i]
                if c == "A":
                    if value not in ADDRESS:
                        raise OdError(f"invalid output address radix '{value}'")
                    address = value
                elif c == "t":
                    specs.append(value)
                else:
                    if not value.isdigit():
                        raise OdError(f"invalid number '{value}'")
                    limit, skip = (int(value), skip) if c == "N" else (limit, int(value))
                break
            if c == "v":
                verbose = True
            elif c in SHORTHANDS:
                specs.append(SHORTHANDS[c])
            else:
                raise OdError(f"invalid option -- '{c}'")
            j += 1
        i += 1
    return specs, address, verbose, limit, skip, files


async def od(inv: Invocation) -> int:
    try:
        specs, address, verbose, limit, skip, files = _options(inv.args)
        formats = [f for spec in specs or ["o2"] for f in parse_format(spec)]
    except OdError as exc:
        return await inv.fail(str(exc))
    data = b""
    status = 0
    for name in files or ["-"]:
        try:
            data += await read_input(inv, name)
        except FsError as exc:
            status = await inv.fail(f"{name}: {exc.reason}")
        except TooLarge:
            return await inv.fail("out of memory")
    data = data[skip:]
    if limit is not None:
        data = data[:limit]
    await inv.out(render_lines(data, formats, ADDRESS[address], verbose, skip))
    return status
