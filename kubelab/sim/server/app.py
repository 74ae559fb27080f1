"""The aiohttp application: authentication, error handling, and routing of every request."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from kubelab.sim import errors
from kubelab.sim.errors import ApiError
from kubelab.sim.objects import Obj
from kubelab.sim.server import discovery
from kubelab.sim.server.bodies import MAX_BODY, wire
from kubelab.sim.server.handler_times import TIMES, HandlerTimes, metrics, timing_middleware
from kubelab.sim.server.host_ports import HOST_PORTS_PATH, host_port_list
from kubelab.sim.server.responses import json_response, page_not_found, status_response
from kubelab.sim.store import Store
from kubelab.sim.supervisor import ControllerHealth, readyz_text

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

HealthChecks = Callable[[], list[ControllerHealth]]

STORE: web.AppKey[Store] = web.AppKey("store", Store)
TOKEN: web.AppKey[str] = web.AppKey("token", str)
CHECKS: web.AppKey[HealthChecks] = web.AppKey("checks")

log = logging.getLogger("kubelab.sim.server")

SERVER_VERSION: Obj = {
    "major": "1",
    "minor": "37",
    "emulationMajor": "1",
    "emulationMinor": "37",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "36",
    "gitVersion": "v1.37.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.25.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}

# kube-openapi answers the protobuf form as octet-stream: Go's mime parser (client-go reads the
# answer's Content-Type) rejects the '@' of `application/com.github.proto-openapi.spec.v2@v1.0+...`.
OPENAPI_V2_PROTOBUF = "application/octet-stream"
PUBLIC_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/version"})


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as e:
        return status_response(e)
    except web.HTTPRequestEntityTooLarge:
        return status_response(errors.too_large())
    except web.HTTPException:
        raise
    except Exception as e:  # a bug of ours: log it and answer a Status, never a stack trace
        log.exception("%s %s failed", request.method, request.path)
        return status_response(errors.internal(type(e).__name__))


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path.rstrip("/") or "/"
    if path not in PUBLIC_PATHS:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        want = request.app[TOKEN]
        # a header that is not text (`Bearer \xe9` arrives as a lone surrogate) is just wrong
        given = token.strip().encode("utf-8", errors="replace")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given, want.encode()):
            raise errors.unauthorized()
    return await handler(request)


async def health(request: web.Request) -> web.StreamResponse:
    return web.Response(text="ok", content_type="text/plain")


async def readyz(request: web.Request) -> web.StreamResponse:
    """`/readyz`: `ok`, or one line per check with `?verbose`; 500 while a controller is down."""
    status, text = readyz_text(request.app[CHECKS](), verbose="verbose" in request.query)
    return web.Response(text=text, status=status, content_type="text/plain")


async def version(request: web.Request) -> web.StreamResponse:
    return json_response(SERVER_VERSION)


async def openapi_v3(request: web.Request) -> web.StreamResponse:
    tail = request.match_info.get("tail", "").strip("/")
    if not tail:
        index = wire("openapi_v3_index")
        if index is None:
            raise page_not_found()
        return web.Response(body=index(), headers={"Content-Type": "application/json"})
    document = wire("openapi_v3_document")
    data = document(tail) if document is not None else None
    if data is None:
        raise page_not_found()
    headers = {"Content-Type": "application/json"}
    hasher = wire("openapi_v3_hash")
    digest = hasher(tail) if hasher is not None else None
    if digest:
        headers["Etag"] = f'"{digest}"'
        if request.query.get("hash") == digest:
            headers["Cache-Control"] = "public, immutable"
    return web.Response(body=data, headers=headers)


async def openapi_v2(request: web.Request) -> web.StreamResponse:
    """Swagger 2.0, as protobuf when asked (kubectl does) and JSON otherwise."""
    if "protobuf" in request.headers.get("Accept", ""):
        document, media = wire("openapi_v2_protobuf"), OPENAPI_V2_PROTOBUF
    else:
        document, media = wire("openapi_v2_json"), "application/json"
    if document is None:
        raise page_not_found()
    data: bytes = document()
    return web.Response(body=data, headers={"Content-Type": media})


async def api_root(request: web.Request) -> web.StreamResponse:
    registry = request.app[STORE].registry
    accept = request.headers.get("Accept", "")
    if discovery.wants_aggregated(accept):
        return json_response(
            discovery.aggregated(registry, core=True),
            content_type=discovery.AGGREGATED_CONTENT_TYPE,
        )
    return json_response(discovery.api_versions(request.host))


async def apis_root(request: web.Request) -> web.StreamResponse:
    registry = request.app[STORE].registry
    accept = request.headers.get("Accept", "")
    if discovery.wants_aggregated(accept):
        return json_response(
            discovery.aggregated(registry, core=False),
            content_type=discovery.AGGREGATED_CONTENT_TYPE,
        )
    return json_response(discovery.api_group_list(registry))


async def dispatch(request: web.Request) -> web.StreamResponse:
    """Every `/api/...` and `/apis/...` request below the discovery roots."""
    from kubelab.sim.server.resources import handle

    return await handle(request)


async def host_ports(request: web.Request) -> web.StreamResponse:
    """Where the host reaches the Services' node and load balancer ports (`host_ports.py`)."""
    return json_response(host_port_list(request.app[STORE]))


async def not_found(request: web.Request) -> web.StreamResponse:
    raise page_not_found()


async def root_paths(request: web.Request) -> web.StreamResponse:
    """`GET /`: the paths the server serves, as kube-apiserver lists them."""
    registry = request.app[STORE].registry
    paths = ["/api", "/api/v1", "/apis", "/apis/"]
    for group, versions in registry.groups():
        if group:
            paths.append(f"/apis/{group}")
            paths.extend(f"/apis/{group}/{v}" for v in versions)
    paths += [
        "/healthz",
        "/livez",
        "/metrics",
        "/openapi/v2",
        "/openapi/v3",
        "/openapi/v3/",
        "/readyz",
        "/version",
    ]
    return json_response({"paths": sorted(paths)})


def _no_checks() -> list[ControllerHealth]:
    return []


def make_app(store: Store, token: str, checks: HealthChecks = _no_checks) -> web.Application:
    app = web.Application(
        middlewares=[timing_middleware, error_middleware, auth_middleware],
        client_max_size=MAX_BODY + 1,
    )
    app[STORE] = store
    app[TOKEN] = token
    app[CHECKS] = checks
    app[TIMES] = HandlerTimes()
    r = app.router
    for path in ("/livez", "/healthz"):
        r.add_get(path, health)
        r.add_get(path + "/", health)
    r.add_get("/readyz", readyz)
    r.add_get("/readyz/", readyz)
    r.add_get("/version", version)
    r.add_get("/version/", version)
    r.add_get("/metrics", metrics)
    r.add_get("/api", api_root)
    r.add_get("/api/", api_root)
    r.add_get("/apis", apis_root)
    r.add_get("/apis/", apis_root)
    r.add_get("/openapi/v2", openapi_v2)
    r.add_get("/openapi/v3", openapi_v3)
    r.add_get("/openapi/v3/", openapi_v3)
    r.add_get("/openapi/v3/{tail:.+}", openapi_v3)
    r.add_route("*", "/api/{tail:.+}", dispatch)
    r.add_route("*", "/apis/{tail:.+}", dispatch)
    r.add_get(HOST_PORTS_PATH, host_ports)
    r.add_get("/", root_paths)
    r.add_route("*", "/{tail:.*}", not_found)
    return app
