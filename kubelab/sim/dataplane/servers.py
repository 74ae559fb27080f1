"""What the main process of each catalogued image answers over HTTP, and on which ports.

nginx serves its html directory on 80 (the real default page, 404 page and headers);
agnhost `serve-hostname` answers the pod's name on 9376 (or `--port`); agnhost `netexec`
serves /hostname, /clientip, /echo on 8080 (or `--http-port`); hashicorp/http-echo answers
its `-text` on 5678 (or `-listen`); an image outside the catalogue answers a generic reply on
each declared TCP container port. Requests are logged the way each server logs them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kubelab.sim.dataplane import pods
from kubelab.sim.dataplane.images import Image
from kubelab.sim.dataplane.netmodel import HttpRequest, HttpResponse
from kubelab.sim.dataplane.runtime import DataplaneRuntime
from kubelab.sim.dataplane.vfs import FsError

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Not Allowed",
    500: "Internal Server Error",
}


def _flag(argv: list[str], name: str) -> str | None:
    """The value of `--name=V`, `-name=V`, `--name V` or `-name V` in argv."""
    for i, arg in enumerate(argv):
        for prefix in (f"--{name}=", f"-{name}="):
            if arg.startswith(prefix):
                return arg[len(prefix) :]
        if arg in (f"--{name}", f"-{name}") and i + 1 < len(argv):
            return argv[i + 1]
    return None


def main_argv(c: Mapping[str, Any]) -> list[str]:
    image = pods.image_of(c)
    command = [str(x) for x in c.get("command") or []]
    args = [str(x) for x in c.get("args") or []] if c.get("args") is not None else None
    return image.main_argv(command or None, args)


def server_kind(image: Image, argv: list[str]) -> str | None:
    """Which server the container's main process is: nginx, serve-hostname, netexec, ..."""
    base = [a.rsplit("/", 1)[-1] for a in argv[:2]]
    if image.kind == "nginx" and base[:1] == ["nginx"]:
        return "nginx"
    if base[:1] == ["agnhost"] and len(base) > 1 and base[1] in ("serve-hostname", "netexec"):
        return base[1]
    if image.kind == "http-echo" and base[:1] == ["http-echo"]:
        return "http-echo"
    if image.kind == "coredns":
        return "coredns"
    if not image.known:
        return "generic"
    return None


def listening_ports(c: Mapping[str, Any]) -> dict[int, str]:
    """Port -> server kind for one container."""
    image = pods.image_of(c)
    argv = main_argv(c)
    kind = server_kind(image, argv)
    if kind is None:
        return {}
    if kind == "nginx":
        return {80: kind}
    if kind == "serve-hostname":
        return {int(_flag(argv, "port") or 9376): kind}
    if kind == "netexec":
        return {int(_flag(argv, "http-port") or 8080): kind}
    if kind == "coredns":
        return {8080: kind, 8181: kind, 9153: kind}
    if kind == "http-echo":
        listen = _flag(argv, "listen") or ":5678"
        return {int(listen.rsplit(":", 1)[-1] or 5678): kind}
    ports: dict[int, str] = {}
    for p in c.get("ports") or []:
        if (
            isinstance(p, Mapping)
            and str(p.get("protocol") or "TCP") == "TCP"
            and p.get("containerPort")
        ):
            ports[int(p["containerPort"])] = kind
    return ports


def pod_listeners(pod: pods.Obj) -> dict[int, Mapping[str, Any]]:
    """Port -> the container listening on it, for every container of a pod."""
    out: dict[int, Mapping[str, Any]] = {}
    for c in pods.containers(pod):
        for port in listening_ports(c):
            out.setdefault(port, c)
    return out


def _response(
    status: int,
    body: str,
    content_type: str,
    server: str | None = None,
    extra: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    headers = [("Date", formatdate(time.time(), usegmt=True))]
    if server:
        headers.insert(0, ("Server", server))
    headers += [("Content-Type", content_type), ("Content-Length", str(len(body.encode())))]
    headers += extra or []
    return HttpResponse(status, REASONS.get(status, ""), headers, body)


def _nginx_error(status: int, version: str) -> str:
    title = f"{status} {REASONS.get(status, '')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


def _access_time() -> str:
    return datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _go_log_time() -> str:
    return datetime.now(UTC).strftime("%Y/%m/%d %H:%M:%S")


def serve(
    runtime: DataplaneRuntime, pod: pods.Obj, port: int, request: HttpRequest
) -> HttpResponse | None:
    """The answer of the pod's process listening on `port`, or None if nothing listens."""
    c = pod_listeners(pod).get(port)
    if c is None:
        return None
    image = pods.image_of(c)
    argv = main_argv(c)
    kind = listening_ports(c)[port]
    cname = str(c.get("name", ""))
    uid = pods.uid(pod)
    client = f"{request.client_ip or '10.244.0.1'}:{request.client_port or 41234}"
    path = urlsplit(request.path).path or "/"
    if kind == "nginx":
        resp = _serve_nginx(runtime, pod, c, image, request, path)
        ua = request.headers.get("User-Agent", "-")
        runtime.log(
            uid,
            cname,
            f"{request.client_ip or '10.244.0.1'} - - [{_access_time()}] "
            f'"{request.method} {request.path} HTTP/1.1" {resp.status} '
            f'{len(resp.body.encode())} "-" "{ua}" "-"',
        )
        return resp
    if kind == "serve-hostname":
        runtime.log(uid, cname, f"{_go_log_time()} HTTP request from {client}")
        return _response(200, pods.hostname(pod), "text/plain; charset=utf-8")
    if kind == "netexec":
        return _serve_netexec(runtime, pod, cname, request, path, client)
    if kind == "coredns":
        return _serve_coredns(port, path)
    if kind == "http-echo":
        text = _flag(argv, "text") or ""
        runtime.log(
            uid,
            cname,
            f"{_go_log_time()} {request.host} {request.method} {path} "
            f'HTTP/1.1 200 "{request.headers.get("User-Agent", "")}"',
        )
        return _response(
            200,
            text + "\n",
            "text/plain; charset=utf-8",
            extra=[("X-App-Name", "http-echo"), ("X-App-Version", "1.0.0")],
        )
    body = (
        f"kubelab simulated container: image {image.reference} is not in the catalogue; "
        f"pod {pods.name(pod)} answered {request.method} {path} on port {port}\n"
    )
    return _response(200, body, "text/plain; charset=utf-8")


def _serve_nginx(
    runtime: DataplaneRuntime,
    pod: pods.Obj,
    c: Mapping[str, Any],
    image: Image,
    request: HttpRequest,
    path: str,
) -> HttpResponse:
    server = f"nginx/{image.version}"
    if request.method not in ("GET", "HEAD"):
        return _response(405, _nginx_error(405, image.version), "text/html", server)
    fs = pods.filesystem(runtime, pod, c)
    root = "/usr/share/nginx/html"
    target = fs.resolve("." + path, root)
    if not target.startswith(root):
        return _response(400, _nginx_error(400, image.version), "text/html", server)
    if fs.is_dir(target):
        if not path.endswith("/"):
            return _response(
                301,
                _nginx_error(301, image.version),
                "text/html",
                server,
                [("Location", f"http://{request.host}{path}/")],
            )
        target = target.rstrip("/") + "/index.html"
        if not fs.exists(target):
            return _response(403, _nginx_error(403, image.version), "text/html", server)
    try:
        body = fs.read(target)
    except FsError:
        return _response(404, _nginx_error(404, image.version), "text/html", server)
    ctype = "text/html" if target.endswith((".html", ".htm")) else "text/plain"
    return _response(
        200,
        body,
        ctype,
        server,
        [
            ("Last-Modified", formatdate(time.time() - 86400 * 30, usegmt=True)),
            ("Connection", "keep-alive"),
            ("ETag", f'"{abs(hash(body)) % 16**8:08x}-{len(body):x}"'),
            ("Accept-Ranges", "bytes"),
        ],
    )


def _serve_coredns(port: int, path: str) -> HttpResponse:
    """CoreDNS's health (8080 /health), ready (8181 /ready) and metrics (9153 /metrics)."""
    if (port, path) in ((8080, "/health"), (8181, "/ready")):
        return _response(200, "OK", "text/plain; charset=utf-8")
    if (port, path) == (9153, "/metrics"):
        body = (
            "# HELP coredns_build_info A metric with a constant '1' value labeled by version, "
            "revision, and goversion from which CoreDNS was built.\n"
            "# TYPE coredns_build_info gauge\n"
            'coredns_build_info{goversion="go1.24.1",revision="707c7c1",version="1.12.1"} 1\n'
        )
        return _response(200, body, "text/plain; version=0.0.4; charset=utf-8")
    return _response(404, "404 page not found\n", "text/plain; charset=utf-8")


def _serve_netexec(
    runtime: DataplaneRuntime,
    pod: pods.Obj,
    cname: str,
    request: HttpRequest,
    path: str,
    client: str,
) -> HttpResponse:
    query = parse_qs(urlsplit(request.path).query)
    stamp = datetime.now(UTC).strftime("%m%d %H:%M:%S.%f")
    runtime.log(pods.uid(pod), cname, f"I{stamp}       1 log.go:245] {request.method} {path}")
    if path == "/hostname":
        return _response(200, pods.hostname(pod), "text/plain; charset=utf-8")
    if path == "/clientip":
        return _response(200, client, "text/plain; charset=utf-8")
    if path == "/echo":
        return _response(200, query.get("msg", [""])[0], "text/plain; charset=utf-8")
    if path in ("/healthz", "/readyz"):
        return _response(200, "ok", "text/plain; charset=utf-8")
    if path == "/header":
        key = query.get("key", [""])[0]
        return _response(200, request.headers.get(key, ""), "text/plain; charset=utf-8")
    if path == "/":
        return _response(200, f"NOW: {datetime.now(UTC).isoformat()}", "text/plain; charset=utf-8")
    return _response(404, "404 page not found\n", "text/plain; charset=utf-8")


def startup_log(pod: pods.Obj, c: Mapping[str, Any]) -> list[str]:
    """What the container's main process printed when it started."""
    image = pods.image_of(c)
    argv = main_argv(c)
    kind = server_kind(image, argv)
    if kind == "nginx":
        return [
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, "
            "will attempt to perform configuration",
            "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
            "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of "
            "/etc/nginx/conf.d/default.conf",
            "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in "
            "/etc/nginx/conf.d/default.conf",
            "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
            "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
            "/docker-entrypoint.sh: Configuration complete; ready for start up",
            f'{_go_log_time()} [notice] 1#1: using the "epoll" event method',
            f"{_go_log_time()} [notice] 1#1: nginx/{image.version}",
            f"{_go_log_time()} [notice] 1#1: start worker processes",
        ]
    if kind == "serve-hostname":
        return [f"{_go_log_time()} Serving on port {min(listening_ports(c))}."]
    if kind == "coredns":
        return [
            ".:53",
            "[INFO] plugin/reload: Running configuration SHA512 = "
            "1b226df79860026c6a52e67daa10d7f0d57ec5b023288ec00862e2b3d2d5a6a8"
            "c5f9b7ed3b5e0b0e0a1d5e1e2a6f3a9e6c7d5b4a3f2e1d0c9b8a7f6e5d4c3b2",
            "CoreDNS-1.12.1",
            "linux/amd64, go1.24.1, 707c7c1",
        ]
    if kind == "http-echo":
        return [f"{_go_log_time()} [INFO] server is listening on :{min(listening_ports(c))}"]
    if kind == "netexec":
        port = min(listening_ports(c))
        return [
            f"I{datetime.now(UTC).strftime('%m%d %H:%M:%S.%f')}       1 log.go:194] "
            f"Started HTTP server on port {port}"
        ]
    return []
