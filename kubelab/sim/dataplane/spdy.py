"""SPDY/3.1 framing, the server half kubectl's port-forward needs (it tunnels SPDY in WebSocket).

Only what `moby/spdystream` (client-go's SPDY) sends and reads: SYN_STREAM / SYN_REPLY with
zlib-compressed header blocks (one compression context per direction, primed with the SPDY/3
dictionary, each block ended by a sync flush), DATA frames with the FIN flag, RST_STREAM, PING,
GOAWAY, SETTINGS and WINDOW_UPDATE (read and ignored: spdystream does no flow control).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = (
    1,
    2,
    3,
    4,
    6,
    7,
    8,
    9,
)
FLAG_FIN = 0x01
MAX_FRAME = 1 << 24  # lengths are 24 bits
RST_PROTOCOL_ERROR, RST_INVALID_STREAM, RST_CANCEL = 1, 2, 5

_WORDS = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language "
    "accept-ranges age allow authorization cache-control connection content-base "
    "content-encoding content-language content-length content-location content-md5 "
    "content-range content-type date etag expect expires from host if-match if-modified-since "
    "if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer "
    "transfer-encoding upgrade user-agent vary via warning www-authenticate method get status "
    "200_OK version HTTP/1.1 url public set-cookie keep-alive origin"
)  # one word holds a space: written "200_OK" here
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
    "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
    "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
    "Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
# The header-compression dictionary of SPDY/3 (draft 3, section 2.6.10.1).
DICTIONARY = (
    b"".join(
        struct.pack(">I", len(w)) + w.encode()
        for w in (x.replace("200_OK", "200 OK") for x in _WORDS.split())
    )
    + _TAIL.encode()
)


class ProtocolError(Exception):
    """The peer sent something that is not SPDY/3 as spdystream writes it."""


@dataclass
class Frame:
    """One frame: `control` frames have a `kind`; DATA frames have `stream_id` and `data`."""

    control: bool
    kind: int = 0
    flags: int = 0
    stream_id: int = 0
    data: bytes = b""
    headers: dict[str, list[str]] = field(default_factory=dict)
    value: int = 0  # PING id, RST_STREAM status, GOAWAY status, WINDOW_UPDATE delta

    @property
    def fin(self) -> bool:
        return bool(self.flags & FLAG_FIN)


class Codec:
    """One connection's framing state: the two header-compression contexts and the unread
    bytes (frames may be split over, or packed into, WebSocket messages)."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(9, zdict=DICTIONARY)
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        """The frames completed by `data`."""
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= 8:
            first, second = struct.unpack_from(">II", self._buffer)
            length = second & 0xFFFFFF
            if len(self._buffer) < 8 + length:
                break
            body = bytes(self._buffer[8 : 8 + length])
            del self._buffer[: 8 + length]
            flags = second >> 24
            if first & 0x80000000:
                version = (first >> 16) & 0x7FFF
                if version != VERSION:
                    raise ProtocolError(f"unsupported SPDY version {version}")
                frames.append(self._control(first & 0xFFFF, flags, body))
            else:
                frames.append(Frame(False, flags=flags, stream_id=first & 0x7FFFFFFF, data=body))
        return frames

    def _control(self, kind: int, flags: int, body: bytes) -> Frame:
        frame = Frame(True, kind=kind, flags=flags)
        if kind in (SYN_STREAM, SYN_REPLY, HEADERS):
            offset = 10 if kind == SYN_STREAM else 4
            if len(body) < offset:
                raise ProtocolError("short control frame")
            frame.stream_id = struct.unpack_from(">I", body)[0] & 0x7FFFFFFF
            frame.headers = self._read_headers(body[offset:])
        elif kind in (RST_STREAM, WINDOW_UPDATE, GOAWAY):
            if len(body) < 8:
                raise ProtocolError("short control frame")
            stream, value = struct.unpack_from(">II", body)
            frame.stream_id, frame.value = stream & 0x7FFFFFFF, value
        elif kind == PING:
            if len(body) < 4:
                raise ProtocolError("short PING frame")
            frame.value = struct.unpack_from(">I", body)[0]
        return frame

    def _read_headers(self, block: bytes) -> dict[str, list[str]]:
        try:
            raw = self._inflate.decompress(block)
        except zlib.error as e:
            raise ProtocolError(f"bad header block: {e}") from None
        headers: dict[str, list[str]] = {}
        try:
            (count,) = struct.unpack_from(">I", raw)
            pos = 4
            for _ in range(count):
                (n,) = struct.unpack_from(">I", raw, pos)
                name = raw[pos + 4 : pos + 4 + n].decode()
                pos += 4 + n
                (n,) = struct.unpack_from(">I", raw, pos)
                value = raw[pos + 4 : pos + 4 + n].decode()
                pos += 4 + n
                headers.setdefault(name.lower(), []).extend(value.split("\x00"))
        except (struct.error, UnicodeDecodeError) as e:
            raise ProtocolError(f"bad header block: {e}") from None
        return headers

    def _header_block(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers))
        for name, value in headers.items():
            n, v = name.lower().encode(), value.encode()
            raw += struct.pack(">I", len(n)) + n + struct.pack(">I", len(v)) + v
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def syn_reply(self, stream_id: int, headers: dict[str, str] | None = None) -> bytes:
        block = self._header_block(headers or {})
        return _control(SYN_REPLY, 0, struct.pack(">I", stream_id) + block)

    def syn_stream(self, stream_id: int, headers: dict[str, str], fin: bool = False) -> bytes:
        """What a client sends (used by tests, and kept beside its reader)."""
        block = self._header_block(headers)
        body = struct.pack(">IIBB", stream_id, 0, 0, 0) + block
        return _control(SYN_STREAM, FLAG_FIN if fin else 0, body)


def _control(kind: int, flags: int, body: bytes) -> bytes:
    return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(body)) + body


def data(stream_id: int, payload: bytes, fin: bool = False) -> bytes:
    """DATA frames carrying `payload` (split at the 24-bit length limit); FIN on the last."""
    chunks = [payload[i : i + MAX_FRAME - 1] for i in range(0, len(payload), MAX_FRAME - 1)]
    chunks = chunks or [b""]
    out = b""
    for i, chunk in enumerate(chunks):
        flags = FLAG_FIN if fin and i == len(chunks) - 1 else 0
        out += struct.pack(">II", stream_id & 0x7FFFFFFF, (flags << 24) | len(chunk)) + chunk
    return out


def ping(ping_id: int) -> bytes:
    return _control(PING, 0, struct.pack(">I", ping_id))


def rst_stream(stream_id: int, status: int) -> bytes:
    return _control(RST_STREAM, 0, struct.pack(">II", stream_id, status))


def goaway(last_stream_id: int, status: int = 0) -> bytes:
    return _control(GOAWAY, 0, struct.pack(">II", last_stream_id, status))
