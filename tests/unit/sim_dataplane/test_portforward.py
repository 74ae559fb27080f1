"""Port-forward: SPDY/3 framing, HTTP over a byte stream, the SPDY tunnel's stream pairing."""

from __future__ import annotations

import asyncio
import struct
import zlib
from typing import Any

import pytest

from kubelab.sim.dataplane import spdy
from kubelab.sim.dataplane.portforward import (
    BadRequest,
    PodConnection,
    SpdyTunnel,
    refused_message,
    take_request,
)

NGINX_POD: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "default", "uid": "u-1"},
    "spec": {"containers": [{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]},
    "status": {
        "phase": "Running",
        "podIP": "10.244.1.5",
        "containerStatuses": [{"name": "web", "state": {"running": {}}}],
    },
}


def test_dictionary_is_spdy3s() -> None:
    # Length and checksum of the SPDY/3 header dictionary (draft 3, 2.6.10.1).
    assert len(spdy.DICTIONARY) == 1423
    assert spdy.DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert b"\x00\x00\x00\x06origin100101201202" in spdy.DICTIONARY
    assert b"\x00\x00\x00\x06200 OK\x00\x00\x00\x07version" in spdy.DICTIONARY
    assert spdy.DICTIONARY.endswith(b"utf-,*,enq=0.")


def test_header_blocks_round_trip_over_one_compression_context() -> None:
    client, server = spdy.Codec(), spdy.Codec()
    first = client.syn_stream(1, {"streamType": "error", "port": "80", "requestID": "0"})
    second = client.syn_stream(3, {"streamtype": "data", "port": "80", "requestid": "0"})
    # Frames arrive split at arbitrary points and packed together.
    wire = first + second + spdy.data(3, b"hello", fin=True)
    frames = []
    for i in range(0, len(wire), 7):
        frames += server.feed(wire[i : i + 7])
    assert [f.kind for f in frames[:2]] == [spdy.SYN_STREAM, spdy.SYN_STREAM]
    assert frames[0].headers == {"streamtype": ["error"], "port": ["80"], "requestid": ["0"]}
    assert frames[1].stream_id == 3 and frames[1].headers["streamtype"] == ["data"]
    assert (frames[2].control, frames[2].stream_id, frames[2].data, frames[2].fin) == (
        False,
        3,
        b"hello",
        True,
    )
    reply = server.syn_reply(1)
    [parsed] = client.feed(reply)
    assert (parsed.kind, parsed.stream_id, parsed.headers) == (spdy.SYN_REPLY, 1, {})
    # A reader without the dictionary cannot inflate it: the block really uses it.
    with pytest.raises(zlib.error):
        zlib.decompressobj().decompress(reply[12:])


def test_ping_and_bad_version() -> None:
    [frame] = spdy.Codec().feed(spdy.ping(7))
    assert (frame.kind, frame.value) == (spdy.PING, 7)
    bad = struct.pack(">HHI", 0x8000 | 2, spdy.PING, 4) + b"\x00\x00\x00\x01"
    with pytest.raises(spdy.ProtocolError):
        spdy.Codec().feed(bad)


def test_take_request_waits_for_the_whole_request() -> None:
    buf = bytearray(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab")
    assert take_request(buf) is None
    buf += b"cdGET / HTTP/1.1\r\n\r\n"
    req = take_request(buf)
    assert req is not None and (req.method, req.path, req.body, req.host) == (
        "POST",
        "/x",
        "abcd",
        "a",
    )
    assert req.client_ip == "127.0.0.1"
    nxt = take_request(buf)
    assert nxt is not None and nxt.method == "GET" and not buf
    with pytest.raises(BadRequest):
        take_request(bytearray(b"\x16\x03\x01 hello\r\n\r\n"))


def test_pod_connection_answers_each_request() -> None:
    conn = PodConnection(None, NGINX_POD, 80)
    assert conn.listening()
    out = conn.receive(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\nHEAD / HTTP/1.1\r\n\r\n")
    first, _, rest = out.partition(b"</html>\n")
    assert first.startswith(b"HTTP/1.1 200 OK\r\n") and b"Welcome to nginx!" in first
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n") and rest.endswith(b"\r\n\r\n")
    assert not PodConnection(None, NGINX_POD, 81).listening()
    bad = PodConnection(None, NGINX_POD, 80)
    assert bad.receive(b"nonsense\r\n\r\n").startswith(b"HTTP/1.1 400 Bad Request")
    assert bad.closed


def _tunnel() -> tuple[SpdyTunnel, list[bytes]]:
    sent: list[bytes] = []

    async def send(data: bytes) -> None:
        sent.append(data)

    return SpdyTunnel(None, NGINX_POD, send), sent


def test_spdy_tunnel_forwards_one_connection() -> None:
    tunnel, sent = _tunnel()
    client = spdy.Codec()
    headers = {"streamtype": "error", "port": "80", "requestid": "0"}

    async def scenario() -> list[spdy.Frame]:
        await tunnel.receive(client.syn_stream(1, headers))
        await tunnel.receive(spdy.data(1, b"", fin=True))  # kubectl closes its error side
        await tunnel.receive(client.syn_stream(3, dict(headers, streamtype="data")))
        await tunnel.receive(spdy.data(3, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        await tunnel.receive(spdy.ping(1))
        await tunnel.receive(spdy.data(3, b"", fin=True))
        return client.feed(b"".join(sent))

    frames = asyncio.run(scenario())
    replies = [f.stream_id for f in frames if f.control and f.kind == spdy.SYN_REPLY]
    assert replies == [1, 3]
    body = b"".join(f.data for f in frames if not f.control and f.stream_id == 3)
    assert body.startswith(b"HTTP/1.1 200 OK") and b"Welcome to nginx!" in body
    assert any(f.control and f.kind == spdy.PING and f.value == 1 for f in frames)
    fins = {f.stream_id for f in frames if not f.control and f.fin}
    assert fins == {1, 3}  # both streams closed once the local side is done
    assert not tunnel.pairs and not tunnel.streams


def test_spdy_tunnel_reports_a_closed_port_on_the_error_stream() -> None:
    tunnel, sent = _tunnel()
    client = spdy.Codec()
    headers = {"streamtype": "error", "port": "8080", "requestid": "4"}

    async def scenario() -> list[spdy.Frame]:
        await tunnel.receive(client.syn_stream(1, headers))
        await tunnel.receive(client.syn_stream(3, dict(headers, streamtype="data")))
        return client.feed(b"".join(sent))

    frames = asyncio.run(scenario())
    error = b"".join(f.data for f in frames if not f.control and f.stream_id == 1).decode()
    assert error == refused_message(NGINX_POD, 8080)
    assert "dial tcp4 127.0.0.1:8080: connect: connection refused" in error
    assert {f.stream_id for f in frames if not f.control and f.fin} == {1, 3}


def test_spdy_tunnel_refuses_streams_it_cannot_use() -> None:
    tunnel, sent = _tunnel()
    client = spdy.Codec()
    asyncio.run(tunnel.receive(client.syn_stream(1, {"streamtype": "shell", "port": "80"})))
    [frame] = client.feed(b"".join(sent))
    assert (frame.kind, frame.stream_id, frame.value) == (spdy.RST_STREAM, 1, 1)
