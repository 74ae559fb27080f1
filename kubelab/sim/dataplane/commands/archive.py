"""gzip, gunzip, zcat and tar over the container's file system, with busybox's options and
messages (archival/gzip.c, archival/bbunzip.c, archival/tar.c, libbb/strip_unsafe_prefix.c).

`tar` covers what `kubectl cp` runs in the container (staging/src/k8s.io/kubectl/pkg/cmd/cp/
cp.go: `tar cf - <src>` to copy from a pod, `tar [--no-same-permissions --no-same-owner]
-xmf - [-C <dir>]` to copy into one) and the usual c/x/t with f, C, v, z, O.
"""

from __future__ import annotations

import gzip as gz
import io
import posixpath
import tarfile
import time
import zlib
from collections.abc import Callable

from kubelab.sim.dataplane.commands.binary import (
    MAX_DATA,
    TooLarge,
    from_bytes,
    read_input,
    to_bytes,
    write_file,
)
from kubelab.sim.dataplane.commands.common import UsageError, split_flags
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FileSystem, FsError


class BadData(Exception):
    """Input that is not what the format says; `message` is busybox's."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def compress(data: bytes) -> bytes:
    return gz.compress(data, compresslevel=6, mtime=0)


def decompress(data: bytes) -> bytes:
    """Every gzip member of `data`, at most MAX_DATA bytes out (a bomb stops there)."""
    out = bytearray()
    rest = data
    while rest:
        if rest[:2] != b"\x1f\x8b":
            if out:
                break  # trailing garbage after a member: gunzip ignores it
            raise BadData("invalid magic")
        engine = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = engine.decompress(rest, MAX_DATA + 1 - len(out))
        except zlib.error:
            raise BadData("corrupted data") from None
        out += chunk
        if len(out) > MAX_DATA:
            raise TooLarge
        if not engine.eof:
            raise BadData("unexpected end of file")
        rest = engine.unused_data
    return bytes(out)


# -- gzip / gunzip / zcat -------------------------------------------------------------------


async def gzip(inv: Invocation) -> int:
    """`gzip [-cdfk] [FILE]...`: FILE becomes FILE.gz; no FILE (or `-c`) writes stdout."""
    try:
        flags, files = split_flags(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    if "d" in flags:
        return await _gunzip(inv, flags, files)
    return await _each_file(inv, flags, files, compress, lambda name: name + ".gz")


async def gunzip(inv: Invocation) -> int:
    try:
        flags, files = split_flags(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    return await _gunzip(inv, flags, files)


async def zcat(inv: Invocation) -> int:
    try:
        flags, files = split_flags(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    return await _gunzip(inv, {**flags, "c": ""}, files)


async def _gunzip(inv: Invocation, flags: dict[str, str], files: list[str]) -> int:
    def target(name: str) -> str | None:
        for suffix, replacement in ((".gz", ""), (".tgz", ".tar")):
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)] + replacement
        return None

    return await _each_file(inv, flags, files, decompress, target)


async def _each_file(
    inv: Invocation,
    flags: dict[str, str],
    files: list[str],
    convert: Callable[[bytes], bytes],
    rename: Callable[[str], str | None],
) -> int:
    to_stdout = "c" in flags or not files or files == ["-"]
    if to_stdout and inv.extra.get("tty") and convert is compress and "f" not in flags:
        return await inv.fail("compressed data not written to a terminal. Use -f to force it.")
    status = 0
    for name in files or ["-"]:
        out_name = None if to_stdout or name == "-" else rename(name)
        if not to_stdout and name != "-" and out_name is None:
            await inv.fail(f"{name}: unknown suffix - ignored")
            status = 1
            continue
        try:
            exists = out_name is not None and inv.container.files.exists(inv.path(out_name))
            if exists and "f" not in flags:
                await inv.fail(f"can't open '{out_name}': File exists")
                status = 1
                continue
            data = convert(await read_input(inv, name))
        except FsError as exc:
            await inv.fail(f"can't open '{name}': {exc.reason}")
            status = 1
            continue
        except BadData as exc:
            await inv.fail(exc.message)
            status = 1
            continue
        except TooLarge:
            return await inv.fail("out of memory")
        if out_name is None:
            await inv.out(from_bytes(data))
            continue
        write_file(inv, out_name, data)
        if "k" not in flags:
            inv.container.files.remove(inv.path(name))
    return status


# -- tar ------------------------------------------------------------------------------------

LONG_OPTIONS = {
    "--no-same-owner": "",
    "--no-same-permissions": "",
    "--same-owner": "",
    "--same-permissions": "p",
    "--preserve-permissions": "p",
    "--to-stdout": "O",
    "--gzip": "z",
    "--gunzip": "z",
    "--verbose": "v",
    "--list": "t",
    "--extract": "x",
    "--create": "c",
    "--touch": "m",
}


def _tar_options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """tar's argv: a first word without `-` is a bundle of letters (`tar xmf - -C /d`); `f`
    and `C` take the next word; long options as busybox's tar knows them."""
    words = list(args)
    if words and not words[0].startswith("-"):
        words[0] = "-" + words[0]
    flags: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word.partition("=")
            if name == "--file" or name == "--directory":
                if not eq:
                    i += 1
                    if i >= len(words):
                        raise UsageError(f"option '{name}' requires an argument")
                    value = words[i]
                flags["f" if name == "--file" else "C"] = value
            elif name in LONG_OPTIONS:
                if LONG_OPTIONS[name]:
                    flags[LONG_OPTIONS[name]] = ""
            else:
                raise UsageError(f"unrecognized option '{word}'")
        elif word.startswith("-") and len(word) > 1:
            for j, letter in enumerate(word[1:], 1):
                if letter in "fC":
                    value = word[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(words):
                            raise UsageError(f"option requires an argument -- '{letter}'")
                        value = words[i]
                    flags[letter] = value
                    break
                if letter not in "cxtvzmOopkh":
                    raise UsageError(f"invalid option -- '{letter}'")
                flags[letter] = ""
        else:
            rest.append(word)
        i += 1
    return flags, rest


def strip_unsafe_prefix(name: str) -> tuple[str, str]:
    """(the name without leading `/` and `../` parts, what was removed), as busybox's
    strip_unsafe_prefix does before it creates or extracts a member."""
    cut = 0
    while True:
        if name.startswith("/", cut):
            cut += 1
            continue
        if name.startswith("../", cut):
            cut += 3
            continue
        inner = name.find("/../", cut)
        if inner < 0:
            break
        cut = inner + 4
    return name[cut:], name[:cut]


async def tar(inv: Invocation) -> int:
    try:
        flags, names = _tar_options(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    modes = [m for m in "cxt" if m in flags]
    if len(modes) != 1:
        return await inv.fail("need exactly one of 'c', 'x' or 't'")
    archive = flags.get("f", "-")
    try:
        if modes[0] == "c":
            return await _create(inv, flags, names, archive)
        data = await read_input(inv, archive)
        if "z" in flags:
            data = decompress(data)
        return await _read_archive(inv, flags, data, listing=modes[0] == "t")
    except FsError as exc:
        return await inv.fail(f"can't open '{archive}': {exc.reason}")
    except BadData as exc:
        return await inv.fail(exc.message)
    except TooLarge:
        return await inv.fail("out of memory")


async def _create(inv: Invocation, flags: dict[str, str], names: list[str], archive: str) -> int:
    if not names:
        return await inv.fail("empty archive")
    files = inv.container.files
    base = inv.path(flags.get("C", "."))
    buffer = io.BytesIO()
    warned: set[str] = set()
    status = 0
    stamp = int(time.time())
    listed: list[str] = []
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as out:
        for name in names:
            path = posixpath.normpath(posixpath.join(base, name))
            if not files.exists(path):
                await inv.fail(f"{name}: No such file or directory")
                status = 1
                continue
            for member_path in _walk(files, path):
                relative = name.rstrip("/") + member_path[len(path) :] if name else member_path
                member, removed = strip_unsafe_prefix(relative)
                if removed and removed not in warned:
                    warned.add(removed)
                    await inv.fail(f"removing leading '{removed}' from member names")
                if not member:
                    continue
                info = tarfile.TarInfo(member)
                info.mtime = stamp
                info.uname = info.gname = "root"
                if files.is_dir(member_path):
                    info.type = tarfile.DIRTYPE
                    info.mode = 0o755
                    out.addfile(info)
                else:
                    content = to_bytes(files.read(member_path))
                    info.size = len(content)
                    info.mode = 0o644
                    out.addfile(info, io.BytesIO(content))
                listed.append(member + ("/" if files.is_dir(member_path) else ""))
    data = buffer.getvalue()
    if "z" in flags:
        data = compress(data)
    if "v" in flags:
        # the list goes to stderr when the archive itself is on stdout
        listing = "".join(name + "\n" for name in listed)
        await (inv.err(listing) if archive == "-" else inv.out(listing))
    if archive == "-":
        await inv.out(from_bytes(data))
    else:
        write_file(inv, archive, data)
    return status


def _walk(files: FileSystem, path: str) -> list[str]:
    """`path` and, for a directory, everything under it (parents before children)."""
    if not files.is_dir(path):
        return [path]
    out = [path]
    for child in files.listdir(path):
        out.extend(_walk(files, posixpath.join(path, child)))
    return out


async def _read_archive(inv: Invocation, flags: dict[str, str], data: bytes, listing: bool) -> int:
    if not data:
        raise BadData("short read")
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - in memory
        members = archive.getmembers()
    except (tarfile.TarError, EOFError):
        raise BadData("invalid tar magic") from None
    files = inv.container.files
    base = inv.path(flags.get("C", "."))
    if not listing and not files.is_dir(base):
        where = flags.get("C", ".")
        raise BadData(f"can't change directory to '{where}': No such file or directory")
    warned: set[str] = set()
    for info in members:
        name, removed = strip_unsafe_prefix(info.name)
        if removed and removed not in warned:
            warned.add(removed)
            await inv.fail(f"removing leading '{removed}' from member names")
        if not name:
            continue
        if listing or "v" in flags:
            await inv.out(name + ("/" if info.isdir() else "") + "\n")
        if listing:
            continue
        target = posixpath.normpath(posixpath.join(base, name))
        if info.isdir():
            _make_parents(files, target)
            files.mkdir(target)
            continue
        if not info.isfile():
            continue  # links and devices: the simulated file system holds files and dirs
        extracted = archive.extractfile(info)
        content = extracted.read() if extracted is not None else b""
        if "O" in flags:
            await inv.out(from_bytes(content))
            continue
        _make_parents(files, target)
        files.write(target, from_bytes(content))
    return 0


def _make_parents(files: FileSystem, path: str) -> None:
    """The directories above `path` (tar creates them); a file in the way fails."""
    parent = posixpath.dirname(path)
    if files.is_dir(parent):
        return
    _make_parents(files, parent)
    if files.exists(parent):
        raise FsError(parent, "Not a directory")
    files.mkdir(parent)
