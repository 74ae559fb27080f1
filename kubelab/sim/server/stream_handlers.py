"""The data plane's handlers of a Pod's streaming subresources (log, exec, attach, portforward)
and of the proxy subresource, in one typed table.

The data plane is imported on the first such request, not at start-up: the API is ready before
any container runs. An import failure there is a bug and answers a 500 (logged), never a 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import cache

from aiohttp import web

from kubelab.sim.objects import Obj
from kubelab.sim.store import Store

StreamHandler = Callable[[web.Request, Store, Obj], Awaitable[web.StreamResponse]]
ReadLog = Callable[[Store, Obj, str | None, Mapping[str, str]], str]
StreamLog = Callable[
    [web.Request, Store, Obj, str | None, Mapping[str, str]], Awaitable[web.StreamResponse]
]
ProxyHandler = Callable[[web.Request, Store, Obj, str, str, str], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class StreamHandlers:
    read_log: ReadLog
    stream_log: StreamLog
    exec: StreamHandler
    attach: StreamHandler
    portforward: StreamHandler
    proxy: ProxyHandler

    def upgraded(self, subresource: str) -> StreamHandler:
        """The handler of an upgraded (websocket/SPDY) subresource request."""
        handlers: dict[str, StreamHandler] = {
            "exec": self.exec,
            "attach": self.attach,
            "portforward": self.portforward,
        }
        return handlers[subresource]


@cache
def stream_handlers() -> StreamHandlers:
    from kubelab.sim.dataplane import logs, portforward, proxy, streams

    return StreamHandlers(
        read_log=logs.read_log,
        stream_log=logs.stream_log,
        exec=streams.handle_exec,
        attach=streams.handle_attach,
        portforward=portforward.handle_portforward,
        proxy=proxy.handle_proxy,
    )
