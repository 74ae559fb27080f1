"""Answering HTTP that arrives from the host at a Service's NodePort / LoadBalancer port.

CLUSTER's host-port listeners (on 127.0.0.1 only) call `host_handler(store, namespace,
service, port)` for an aiohttp handler, or `forward(...)` for one exchange: the request goes to
a ready endpoint of the Service (as kube-proxy would send it), and the pod's server answers.
A Service without ready endpoints answers 503 here since the TCP connection to the host port is
already accepted (kind's port mapping behaves the same way: the connection resets).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from kubelab.sim.dataplane import pods, servers
from kubelab.sim.dataplane.cluster_net import ClusterNetwork
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest, HttpResponse
from kubelab.sim.dataplane.runner import ensure_runner
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.dataplane.sessions import StoreView

HOST_CLIENT_IP = "172.18.0.1"  # the docker bridge gateway, as pods see host traffic on kind


async def forward(
    store: Any, namespace: str, service: str, port: int, request: HttpRequest
) -> HttpResponse:
    """One request to Service port `port` (the Service's `port`, not the nodePort)."""
    ensure_runner(store)  # also drops the files and logs of deleted pods
    view = StoreView(store).snapshot()
    runtime = runtime_for(store)
    net = ClusterNetwork(view, runtime, client_ip=HOST_CLIENT_IP)
    svc = next(
        (s for s in view.services() if pods.namespace(s) == namespace and pods.name(s) == service),
        None,
    )
    if svc is None:
        raise ConnectError("refused")
    entry: Mapping[str, Any] | None = next(
        (p for p in (svc.get("spec") or {}).get("ports") or [] if int(p.get("port") or 0) == port),
        None,
    )
    if entry is None:
        raise ConnectError("refused")
    backend = net.pick_backend(svc, entry)
    pod = net.pod_by_ip(backend.ip)
    if pod is None or not pods.is_running(pod):
        raise ConnectError("refused")
    request.client_ip = HOST_CLIENT_IP
    response = servers.serve(runtime, pod, backend.port, request)
    if response is None:
        raise ConnectError("refused")
    return response


def host_handler(
    store: Any, namespace: str, service: str, port: int
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """An aiohttp handler serving every path for one Service port."""

    async def handle(request: web.Request) -> web.StreamResponse:
        body = await request.text() if request.can_read_body else ""
        path = request.path_qs
        req = HttpRequest(
            request.method, path, request.headers.get("Host", ""), dict(request.headers), body
        )
        try:
            resp = await forward(store, namespace, service, port, req)
        except ConnectError:
            return web.Response(status=503, text="no ready endpoints for this Service\n")
        out = web.Response(status=resp.status, reason=resp.reason, body=resp.body.encode())
        for key, value in resp.headers:
            if key.lower() not in ("content-length", "date", "connection"):
                out.headers[key] = value
        return out

    return handle
