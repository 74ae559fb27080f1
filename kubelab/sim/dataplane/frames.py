"""Messages between the simulator and a session worker: one JSON document per frame, after its
length (4 bytes, big-endian). Used blocking (the worker's calls into the simulator) and with
asyncio streams (everything else)."""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 64 << 20  # a file of a container (16 Mi characters) fits, escaped


class FrameError(Exception):
    """The other side sent something that is not a frame (or went away mid-frame)."""


def encode(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    if len(body) > MAX_FRAME:
        raise FrameError(f"a message of {len(body)} bytes is over the frame limit")
    return HEADER.pack(len(body)) + body


def _decode(body: bytes) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError as exc:
        raise FrameError(f"not a message: {exc}") from None
    if not isinstance(message, dict):
        raise FrameError("not a message")
    return message


async def read(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    """The next message, or None at the end of the stream."""
    try:
        head = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise FrameError("the stream ended mid-frame") from None
        return None
    (size,) = HEADER.unpack(head)
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes is over the limit")
    try:
        return _decode(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        raise FrameError("the stream ended mid-frame") from None


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            raise FrameError("the other side went away")
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def call(sock: socket.socket, message: dict[str, Any]) -> dict[str, Any]:
    """Send `message` and wait for the answer (blocking)."""
    sock.sendall(encode(message))
    (size,) = HEADER.unpack(_recv_exactly(sock, HEADER.size))
    if size > MAX_FRAME:
        raise FrameError(f"a frame of {size} bytes is over the limit")
    return _decode(_recv_exactly(sock, size))
