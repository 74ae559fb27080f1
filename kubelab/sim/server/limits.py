"""Connection limits: slow or idle clients cannot hold the server's file descriptors.

As kube-apiserver's `http.Server` (k8s.io/apiserver/pkg/server/secure_serving.go): a client has
`HEADER_TIMEOUT` seconds (ReadHeaderTimeout, 32 s) from connecting to send a whole request head,
and a kept-alive connection idle for `IDLE_TIMEOUT` seconds (IdleTimeout, 90 s) is closed. The
TLS handshake has the same bound as the request head.

On top of that, the number of open connections is capped below the process's file-descriptor
limit (the simulator's state file, its listeners and its logs need some). At the cap, the
oldest connection that has not sent a request head yet is closed to make room (a slow client
gives way to a new one); when every connection is busy with a request, the new one is closed.
Either way the log says so, at most once every `LOG_EVERY` seconds.
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

HEADER_TIMEOUT = 32.0
IDLE_TIMEOUT = 90.0
RESERVED_FDS = 64  # for the state file, listeners, logs, kubeconfig writes
LOG_EVERY = 10.0


def raise_fd_limit() -> int:
    """Raise the soft file-descriptor limit to the hard one (as Go programs do at start);
    the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass  # not allowed here: keep the soft limit, the cap follows it
    return soft


def open_fds() -> int:
    """How many file descriptors the process has open now (0 where /proc does not say)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 0


def connection_cap(fd_limit: int, in_use: int = 0) -> int:
    """How many client connections may be open at once under `fd_limit` descriptors, with
    `in_use` of them already taken by the process."""
    return max(8, fd_limit - in_use - max(RESERVED_FDS, fd_limit // 8))


class _Limiter:
    """Counts the open connections of one site and picks which to close at the cap."""

    def __init__(self, cap: int, header_timeout: float) -> None:
        self.cap = cap
        self.header_timeout = header_timeout
        self.open: dict[LimitedHandler, float] = {}  # connection -> when it was accepted
        self.last_log = 0.0

    def log(self, message: str) -> None:
        now = time.monotonic()
        if now - self.last_log >= LOG_EVERY:
            self.last_log = now
            print(f"kubelab sim: {message}", file=sys.stderr, flush=True)

    def make_room(self) -> bool:
        """Below the cap, or a connection without a request head closed to get there."""
        if len(self.open) < self.cap:
            return True
        waiting = [h for h in self.open if not h.has_requested()]
        if waiting:
            oldest = min(waiting, key=lambda h: self.open[h])
            oldest.drop()
            self.log(
                f"{len(self.open)} connections open (the cap, under the file-descriptor "
                f"limit): closing the oldest one that has sent no request yet"
            )
            return True
        self.log(
            f"{len(self.open)} connections open (the cap, under the file-descriptor limit), "
            "all busy: refusing new connections until some close"
        )
        return False


class LimitedHandler(RequestHandler):
    """aiohttp's per-connection protocol, counted and closed when no request head arrives."""

    def __init__(self, limiter: _Limiter, server: web.Server, **kwargs: Any) -> None:
        super().__init__(server, **kwargs)
        self.limiter = limiter
        self.head_timer: asyncio.TimerHandle | None = None
        self.connection: asyncio.BaseTransport | None = None
        limiter.open[self] = time.monotonic()

    def has_requested(self) -> bool:
        # aiohttp counts the request heads it has parsed on this connection
        return int(getattr(self, "_request_count", 0)) > 0

    def drop(self) -> None:
        """Close at once: `abort`, not `close`, which would wait for the client's TLS goodbye
        while keeping the descriptor."""
        self.limiter.open.pop(self, None)
        if isinstance(self.connection, asyncio.Transport):
            self.connection.abort()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.connection = transport
        if self not in self.limiter.open:  # dropped during its TLS handshake
            self.drop()
            return
        loop = asyncio.get_running_loop()
        self.head_timer = loop.call_later(self.limiter.header_timeout, self._head_deadline)

    def _head_deadline(self) -> None:
        self.head_timer = None
        if not self.has_requested():
            self.drop()

    def connection_lost(self, exc: BaseException | None) -> None:
        self.limiter.open.pop(self, None)
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        super().connection_lost(exc)


class _Refused(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if isinstance(transport, asyncio.Transport):
            transport.abort()


class LimitedSite(web.TCPSite):
    """`web.TCPSite` whose connections are limited as the module docstring says."""

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        *,
        ssl_context: Any,
        cap: int,
        header_timeout: float = HEADER_TIMEOUT,
    ) -> None:
        super().__init__(runner, host, port, reuse_address=True, ssl_context=ssl_context)
        self.limiter = _Limiter(cap, header_timeout)

    def _protocol(self) -> asyncio.BaseProtocol:
        server = self._runner.server
        assert server is not None
        if not self.limiter.make_room():
            return _Refused()
        # what `web.Server.__call__` does, with the counting subclass
        return LimitedHandler(self.limiter, server, loop=server._loop, **server._kwargs)

    async def start(self) -> None:
        await web.BaseSite.start(self)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            ssl_handshake_timeout=self.limiter.header_timeout if self._ssl_context else None,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port
