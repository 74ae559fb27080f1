"""`pods/{name}/portforward` over WebSocket: the bytes a local program sends through
`kubectl port-forward` reach the simulated process listening on the pod's port.

Two protocols, chosen by the WebSocket subprotocol:
- `SPDY/3.1+portforward.k8s.io` (kubectl 1.30+): SPDY/3.1 tunnelled in binary messages. For
  each local connection kubectl opens an error stream and a data stream (headers `streamtype`,
  `port`, `requestid`); the kubelet answers every SYN_STREAM, pairs the two by request id,
  copies bytes between the data stream and the port, writes a failure (such as nothing
  listening) on the error stream, and closes both when the exchange ends.
- the same SPDY/3.1 straight on the HTTP connection (`Upgrade: SPDY/3.1`,
  `X-Stream-Protocol-Version: portforward.k8s.io`): kubectl's fallback and kubectl <= 1.29.
- `v4.channel.k8s.io` (the Python client's `kubernetes.stream.portforward`, `?ports=80,8080`):
  port i uses channel 2i for data and 2i+1 for errors; the server's first message on each
  channel is the port as two little-endian bytes.

What answers is the pod's simulated server (`servers.serve`): bytes are read as HTTP/1.1
requests and each complete one is answered; the connection appears to come from 127.0.0.1
inside the pod, as a real port-forward does. Nothing runs on the learner's machine.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from kubelab.sim import errors
from kubelab.sim.dataplane import pods, servers, spdy
from kubelab.sim.dataplane.netmodel import HttpRequest, HttpResponse
from kubelab.sim.dataplane.runner import ensure_runner
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.dataplane.sessions import StoreView

log = logging.getLogger("kubelab.sim.dataplane")
SPDY_PROTOCOL = "portforward.k8s.io"
SPDY_TUNNEL = "SPDY/3.1+" + SPDY_PROTOCOL
V4_CHANNELS = "v4.channel.k8s.io"
PROTOCOLS = (SPDY_TUNNEL, V4_CHANNELS)
MAX_HEAD = 64 * 1024  # bytes of request line + headers before a request is refused
Obj = Mapping[str, Any]
Send = Callable[[bytes], Awaitable[None]]


def sandbox_id(pod: Obj) -> str:
    """The pod sandbox's id as the container runtime names it in its errors."""
    return hashlib.sha256(pods.uid(pod).encode()).hexdigest()


def refused_message(pod: Obj, port: int) -> str:
    """The kubelet's (containerd 2.x) answer when nothing listens on `port` in the pod."""
    sid = sandbox_id(pod)
    return (
        f"error forwarding port {port} to pod {sid}, uid : failed to execute portforward in "
        f'network namespace "/var/run/netns/cni-{sid[:8]}-{sid[8:12]}-{sid[12:16]}-'
        f'{sid[16:20]}-{sid[20:32]}": failed to connect to localhost:{port} inside namespace '
        f'"{sid}", IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 '
        f"[::1]:{port}: connect: connection refused "
    )


# ---------------------------------------------------------------------------- HTTP over bytes


class BadRequest(Exception):
    """Bytes that are not an HTTP/1.x request."""


def take_request(buffer: bytearray) -> HttpRequest | None:
    """The first complete HTTP/1.x request in `buffer` (removed from it), or None for more."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise BadRequest("request head too large")
        return None
    head = bytes(buffer[:end]).decode("latin-1").split("\r\n")
    parts = head[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"bad request line {head[0]!r}")
    headers: dict[str, str] = {}
    for line in head[1:]:
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise BadRequest(f"bad header line {line!r}")
        headers[key.strip()] = value.strip()
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        length = int(lowered.get("content-length", "0") or "0")
    except ValueError:
        raise BadRequest("bad Content-Length") from None
    if length < 0:
        raise BadRequest("bad Content-Length")
    if len(buffer) < end + 4 + length:
        return None
    body = bytes(buffer[end + 4 : end + 4 + length]).decode("utf-8", errors="replace")
    del buffer[: end + 4 + length]
    return HttpRequest(
        parts[0], parts[1], lowered.get("host", ""), headers, body, client_ip="127.0.0.1"
    )


def response_bytes(resp: HttpResponse, head_only: bool = False) -> bytes:
    body = resp.body.encode()
    lines = [f"HTTP/1.1 {resp.status} {resp.reason}".rstrip()]
    names = {k.lower() for k, _ in resp.headers}
    lines += [f"{k}: {v}" for k, v in resp.headers]
    if "content-length" not in names:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head_only else body)


BAD_REQUEST = (
    b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Connection: close\r\nContent-Length: 12\r\n\r\nBad Request\n"
)


@dataclass
class PodConnection:
    """One forwarded TCP connection to `port` of the pod: bytes in, answers out."""

    store: Any
    pod: Obj
    port: int
    buffer: bytearray = field(default_factory=bytearray)
    closed: bool = False

    def listening(self) -> bool:
        return self.port in servers.pod_listeners(self.pod)

    def receive(self, data: bytes) -> bytes:
        """What the pod's server writes back after receiving `data`."""
        if self.closed:
            return b""
        self.buffer += data
        out = b""
        while not self.closed:
            try:
                request = take_request(self.buffer)
            except BadRequest:
                self.closed = True
                return out + BAD_REQUEST
            if request is None:
                break
            live = self._live_pod()
            answer = (
                servers.serve(runtime_for(self.store), live, self.port, request)
                if live is not None
                else None
            )
            if answer is None:  # the process went away with the pod
                self.closed = True
                break
            out += response_bytes(answer, head_only=request.method == "HEAD")
            if request.headers.get("Connection", "").lower() == "close" or any(
                k.lower() == "connection" and v.lower() == "close" for k, v in answer.headers
            ):
                self.closed = True
        return out

    def _live_pod(self) -> Obj | None:
        """The pod as it is now, while it still runs (None once it stopped or is gone)."""
        if self.store is None:
            return self.pod
        live = StoreView(self.store).pod(pods.namespace(self.pod), pods.name(self.pod))
        if live is None or pods.uid(live) != pods.uid(self.pod) or not pods.is_running(live):
            return None
        return live


# ---------------------------------------------------------------------------- SPDY tunnel


@dataclass
class _Stream:
    stream_id: int
    kind: str
    port: int
    request_id: str
    peer_closed: bool = False
    closed: bool = False  # we sent FIN or the peer reset it


@dataclass
class _Pair:
    error: _Stream | None = None
    data: _Stream | None = None
    conn: PodConnection | None = None


class SpdyTunnel:
    """The server side of one SPDY-over-WebSocket port-forward session."""

    def __init__(self, store: Any, pod: Obj, send: Send) -> None:
        self.store, self.pod, self.send = store, pod, send
        self.codec = spdy.Codec()
        self.streams: dict[int, _Stream] = {}
        self.pairs: dict[str, _Pair] = {}
        self.last_stream = 0

    async def receive(self, data: bytes) -> None:
        for frame in self.codec.feed(data):
            await self._frame(frame)

    async def _frame(self, frame: spdy.Frame) -> None:
        if not frame.control:
            await self._data(frame)
        elif frame.kind == spdy.SYN_STREAM:
            await self._syn_stream(frame)
        elif frame.kind == spdy.PING:
            await self.send(spdy.ping(frame.value))
        elif frame.kind == spdy.RST_STREAM:
            stream = self.streams.get(frame.stream_id)
            if stream is not None:
                stream.closed = stream.peer_closed = True
                await self._maybe_finish(stream.request_id)
        # SETTINGS, WINDOW_UPDATE, HEADERS, GOAWAY: nothing to do (GOAWAY: the socket ends)

    async def _syn_stream(self, frame: spdy.Frame) -> None:
        headers = {k: v[0] if v else "" for k, v in frame.headers.items()}
        kind = headers.get("streamtype", "")
        try:
            port = int(headers.get("port", ""))
        except ValueError:
            port = 0
        request_id = headers.get("requestid", "")
        if frame.stream_id <= self.last_stream or kind not in ("data", "error") or port <= 0:
            await self.send(spdy.rst_stream(frame.stream_id, spdy.RST_PROTOCOL_ERROR))
            return
        self.last_stream = frame.stream_id
        stream = _Stream(frame.stream_id, kind, port, request_id, peer_closed=frame.fin)
        self.streams[frame.stream_id] = stream
        await self.send(self.codec.syn_reply(frame.stream_id))
        pair = self.pairs.setdefault(request_id, _Pair())
        setattr(pair, kind, stream)
        if pair.error is not None and pair.data is not None and pair.conn is None:
            pair.conn = PodConnection(self.store, self.pod, port)
            if not pair.conn.listening():
                await self._fail(pair, refused_message(self.pod, port))

    async def _data(self, frame: spdy.Frame) -> None:
        stream = self.streams.get(frame.stream_id)
        if stream is None:
            await self.send(spdy.rst_stream(frame.stream_id, spdy.RST_INVALID_STREAM))
            return
        if frame.fin:
            stream.peer_closed = True
        pair = self.pairs.get(stream.request_id)
        if stream.kind == "data" and pair is not None and pair.conn is not None and frame.data:
            answer = pair.conn.receive(frame.data)
            if answer and not stream.closed:
                await self.send(spdy.data(stream.stream_id, answer))
            if pair.conn.closed:
                await self._close(pair)
        await self._maybe_finish(stream.request_id)

    async def _maybe_finish(self, request_id: str) -> None:
        """The local side closed its half (or reset): the exchange is over, close ours."""
        pair = self.pairs.get(request_id)
        if pair is not None and pair.data is not None and pair.data.peer_closed:
            await self._close(pair)

    async def _fail(self, pair: _Pair, message: str) -> None:
        log.info("port-forward: %s", message)
        if pair.error is not None and not pair.error.closed:
            await self.send(spdy.data(pair.error.stream_id, message.encode()))
        await self._close(pair)

    async def _close(self, pair: _Pair) -> None:
        for stream in (pair.data, pair.error):
            if stream is not None and not stream.closed:
                stream.closed = True
                await self.send(spdy.data(stream.stream_id, b"", fin=True))
        if all(s is not None and s.closed for s in (pair.data, pair.error)):
            for stream in (pair.data, pair.error):
                if stream is not None:
                    self.streams.pop(stream.stream_id, None)
            self.pairs = {k: v for k, v in self.pairs.items() if v is not pair}


# ---------------------------------------------------------------------------- v4 channels


class ChannelForward:
    """The server side of one `v4.channel.k8s.io` port-forward session."""

    def __init__(self, store: Any, pod: Obj, ports: list[int], send: Send) -> None:
        self.send = send
        self.ports = ports
        self.conns = [PodConnection(store, pod, p) for p in ports]
        self.pod = pod

    async def start(self) -> None:
        for i, port in enumerate(self.ports):
            prefix = struct.pack("<H", port)
            await self.send(bytes([2 * i]) + prefix)
            await self.send(bytes([2 * i + 1]) + prefix)
            if not self.conns[i].listening():
                message = refused_message(self.pod, port)
                await self.send(bytes([2 * i + 1]) + message.encode())

    async def receive(self, data: bytes) -> None:
        if not data:
            return
        channel, payload = data[0], data[1:]
        index = channel // 2
        if channel % 2 or index >= len(self.conns):
            return
        answer = self.conns[index].receive(payload)
        if answer:
            await self.send(bytes([channel]) + answer)


def _ports(query: Any) -> list[int]:
    """The `ports` query parameters (repeated and/or comma-separated)."""
    out: list[int] = []
    for part in ",".join(query.getall("ports", [])).split(","):
        if not part.strip():
            continue
        try:
            port = int(part)
        except ValueError:
            raise errors.bad_request(
                f'unable to parse "{part}" as a port: invalid syntax'
            ) from None
        if not 0 < port < 65536:
            raise errors.bad_request(f'port "{part}" must be > 0 and < 65536')
        out.append(port)
    return out


class _Bytes:
    """What aiohttp feeds an upgraded connection's bytes to (`set_parser`), as a queue."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        self.queue.put_nowait(bytes(data))
        return False, b""

    def feed_eof(self) -> None:
        self.queue.put_nowait(None)


async def _spdy_upgrade(request: web.Request, store: Any, pod: Obj) -> web.StreamResponse:
    """kubectl's fallback (and kubectl <= 1.29): `Upgrade: SPDY/3.1` on the HTTP connection
    itself, with `X-Stream-Protocol-Version: portforward.k8s.io`."""
    offered = [
        p.strip()
        for value in request.headers.getall("X-Stream-Protocol-Version", [])
        for p in value.split(",")
    ]
    if SPDY_PROTOCOL not in offered:
        raise errors.bad_request(
            "unable to upgrade connection: unable to negotiate protocol: client supports "
            f"{offered}, server supports [{SPDY_PROTOCOL}]"
        )
    response = web.StreamResponse(
        status=101,
        headers={
            "Connection": "Upgrade",
            "Upgrade": "SPDY/3.1",
            "X-Stream-Protocol-Version": SPDY_PROTOCOL,
        },
    )
    await response.prepare(request)
    incoming = _Bytes()
    protocol: Any = request.protocol
    protocol.set_parser(incoming)
    tunnel = SpdyTunnel(store, pod, response.write)
    try:
        while (data := await incoming.queue.get()) is not None:
            await tunnel.receive(data)
    except spdy.ProtocolError as e:
        log.info("port-forward: %s", e)
        await response.write(spdy.goaway(0, 1))
    except (ConnectionError, RuntimeError):
        pass  # the client went away
    if request.transport is not None:
        request.transport.close()
    return response


async def handle_portforward(request: web.Request, store: Any, pod: Obj) -> web.StreamResponse:
    """Entry point CORE's server routes `pods/{name}/portforward` to: a WebSocket (GET), or an
    HTTP connection upgraded to SPDY/3.1 (POST)."""
    upgrade = request.headers.get("Upgrade", "").lower()
    if upgrade not in ("websocket", "spdy/3.1"):
        raise errors.bad_request("Upgrade request required")
    if not pods.is_running(pod):
        phase = (pod.get("status") or {}).get("phase", "Unknown")
        raise errors.bad_request(
            f"unable to upgrade connection: pod is not running. Current status={phase}"
        )
    if upgrade == "spdy/3.1":
        return await _spdy_upgrade(request, store, pod)
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if not any(p in PROTOCOLS for p in offered):
        raise errors.bad_request(
            "unable to upgrade connection: none of the offered subprotocols is supported: "
            f"{', '.join(PROTOCOLS)}"
        )
    ports = _ports(request.query)
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True, max_msg_size=0)
    await ws.prepare(request)
    ensure_runner(store)

    async def send(data: bytes) -> None:
        if not ws.closed:
            await ws.send_bytes(data)

    session: SpdyTunnel | ChannelForward
    if ws.ws_protocol == SPDY_TUNNEL:
        session = SpdyTunnel(store, pod, send)
    else:
        if not ports:
            await ws.close(message=b"query parameter 'ports' is required")
            return ws
        session = ChannelForward(store, pod, ports, send)
        await session.start()
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await session.receive(msg.data)
            elif msg.type == WSMsgType.ERROR:
                break
    except spdy.ProtocolError as e:
        log.info("port-forward: %s", e)
        await send(spdy.goaway(0, 1))
    except (ConnectionError, RuntimeError):
        pass  # the client went away
    finally:
        if not ws.closed:
            await ws.close()
    return ws
