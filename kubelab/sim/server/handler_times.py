"""Time spent inside request handlers, so a slow answer can be told apart from a busy client.

Every answered request's handler time (from the request reaching the application to its
response being ready, the time a client's latency includes on the server's side) is kept, the
last `KEPT` of them, and shown two ways: each response carries `X-Kubelab-Handler-Ms`, and
`GET /metrics` gives the quantiles in Prometheus' text format (as kube-apiserver's
`apiserver_request_duration_seconds` does). Streams (watches, exec, port-forward, logs -f) are
left out: their handler lasts as long as the client stays.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

from aiohttp import web

HEADER = "X-Kubelab-Handler-Ms"
KEPT = 100_000
QUANTILES = (0.5, 0.9, 0.95, 0.99, 1.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HandlerTimes:
    def __init__(self) -> None:
        self.seconds: deque[float] = deque(maxlen=KEPT)
        self.total = 0.0
        self.count = 0

    def add(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.total += seconds
        self.count += 1

    def metrics(self) -> str:
        name = "kubelab_sim_request_handler_seconds"
        ordered = sorted(self.seconds)
        lines = [
            f"# HELP {name} Time inside the API handler per answered request (streams excluded).",
            f"# TYPE {name} summary",
        ]
        for q in QUANTILES:
            value = ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0
            lines.append(f'{name}{{quantile="{q:g}"}} {value:.6f}')
        lines += [f"{name}_sum {self.total:.6f}", f"{name}_count {self.count}"]
        return "\n".join(lines) + "\n"


TIMES: web.AppKey[HandlerTimes] = web.AppKey("handler_times", HandlerTimes)


@web.middleware
async def timing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    if not response.prepared:  # a plain answer (a stream was sent from inside the handler)
        seconds = time.perf_counter() - started
        request.app[TIMES].add(seconds)
        response.headers[HEADER] = f"{seconds * 1000:.2f}"
    return response


async def metrics(request: web.Request) -> web.StreamResponse:
    return web.Response(
        text=request.app[TIMES].metrics(), content_type="text/plain", charset="utf-8"
    )
