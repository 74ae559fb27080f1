"""md5sum, sha1sum, sha256sum, sha512sum and base64, as busybox prints them
(coreutils/md5_sha1_sum.c, coreutils/uudecode.c)."""

from __future__ import annotations

import base64 as b64
import binascii
import hashlib

from kubelab.sim.dataplane.commands.binary import TooLarge, from_bytes, read_input
from kubelab.sim.dataplane.commands.common import UsageError, lines_of, split_flags
from kubelab.sim.dataplane.process import Invocation
from kubelab.sim.dataplane.vfs import FsError

ALGORITHMS = {"md5sum": "md5", "sha1sum": "sha1", "sha256sum": "sha256", "sha512sum": "sha512"}


def _hash(name: str, data: bytes) -> str:
    return hashlib.new(ALGORITHMS[name], data).hexdigest()


async def checksum(inv: Invocation) -> int:
    """`<hash>  <file>` per input (`-` for stdin); `-c FILE` checks a list."""
    try:
        flags, files = split_flags(inv.args)
    except UsageError as exc:
        return await inv.fail(exc.message)
    if "c" in flags:
        return await _check(inv, files)
    status = 0
    for name in files or ["-"]:
        try:
            data = await read_input(inv, name)
        except FsError as exc:
            status = await inv.fail(f"can't open '{name}': {exc.reason}")
            continue
        except TooLarge:
            return await inv.fail("out of memory")
        await inv.out(f"{_hash(inv.name, data)}  {name}\n")
    return status


async def _check(inv: Invocation, files: list[str]) -> int:
    """busybox's `-c`: `<file>: OK|FAILED` per line, then a WARNING when any failed."""
    total = failed = 0
    for listing in files or ["-"]:
        try:
            text = from_bytes(await read_input(inv, listing))
        except FsError as exc:
            return await inv.fail(f"can't open '{listing}': {exc.reason}")
        except TooLarge:
            return await inv.fail("out of memory")
        for line in lines_of(text):
            digest, sep, name = line.partition("  ")
            if not sep or not name:
                return await inv.fail("invalid format")
            total += 1
            try:
                ok = _hash(inv.name, await read_input(inv, name)) == digest.lower()
            except FsError as exc:
                await inv.fail(f"can't open '{name}': {exc.reason}")
                ok = False
            except TooLarge:
                return await inv.fail("out of memory")
            failed += not ok
            await inv.out(f"{name}: {'OK' if ok else 'FAILED'}\n")
    if failed:
        await inv.fail(f"WARNING: {failed} of {total} computed checksums did NOT match")
        return 1
    return 0


async def base64(inv: Invocation) -> int:
    """`base64 [-d] [-w COL] [FILE]`: lines of 76 characters by default, `-w 0` one line."""
    try:
        flags, files = split_flags(inv.args, with_value="w")
    except UsageError as exc:
        return await inv.fail(exc.message)
    if len(files) > 1:
        return await inv.fail(f"extra operand '{files[1]}'")
    try:
        data = await read_input(inv, files[0] if files else "-")
    except FsError as exc:
        return await inv.fail(f"can't open '{files[0]}': {exc.reason}")
    except TooLarge:
        return await inv.fail("out of memory")
    if "d" in flags:
        try:
            decoded = b64.b64decode(b"".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            return await inv.fail("invalid input")
        await inv.out(from_bytes(decoded))
        return 0
    raw = flags.get("w", "76")
    if not raw.isdigit():
        return await inv.fail(f"invalid number '{raw}'")
    width = int(raw)
    encoded = b64.b64encode(data).decode("ascii")
    if not encoded:
        return 0
    if width:
        encoded = "\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))
    await inv.out(encoded + "\n")
    return 0
