"""Bytes inside the text streams of the data plane.

Pipes and files hold `str`; bytes that are not UTF-8 travel as lone surrogates
(`errors="surrogateescape"`), so `gzip -c f | gunzip` and a tar archive with any content
round-trip exactly, and text stays text.
"""

from __future__ import annotations

from kubelab.sim.dataplane.process import Invocation

# What one command reads or produces at most: the container's memory, as far as it goes.
MAX_DATA = 32 << 20


class TooLarge(Exception):
    """More data than MAX_DATA: the command dies as busybox does when malloc fails."""


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def from_bytes(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


async def read_stdin_bytes(inv: Invocation) -> bytes:
    """All of stdin as bytes; raises TooLarge past MAX_DATA."""
    parts: list[str] = []
    size = 0
    while chunk := await inv.stdin.read():
        size += len(chunk)
        if size > MAX_DATA:
            raise TooLarge
        parts.append(chunk)
    return to_bytes("".join(parts))


async def read_input(inv: Invocation, name: str) -> bytes:
    """A named input as bytes (`-` is stdin); raises FsError or TooLarge."""
    if name == "-":
        return await read_stdin_bytes(inv)
    data = to_bytes(inv.container.files.read(inv.path(name)))
    if len(data) > MAX_DATA:
        raise TooLarge
    return data


def write_file(inv: Invocation, name: str, data: bytes) -> None:
    inv.container.files.write(inv.path(name), from_bytes(data))
