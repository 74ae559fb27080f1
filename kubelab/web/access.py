"""Who may use the served lab: the address it binds and the secret token every request carries.

The lab is a shell on the learner's cluster, so the server trusts nobody by default: it binds
loopback, refuses another address in clear text, and answers 403 to any request (page, asset or
websocket) without the token. The token travels once in the URL (as Jupyter's does) and is then
kept in an HttpOnly, SameSite=Strict cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

TOKEN_PARAMETER = "token"
LOOPBACK_NAMES = frozenset({"localhost"})
INSECURE_FLAG = "--insecure-no-tls"


class BindRefused(ValueError):
    """Serving on this address would expose the lab; the message says why and what to do."""


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, *, tls: bool, insecure: bool) -> None:
    """Refuse a non-loopback address unless TLS is on or clear text was asked for by name."""
    if is_loopback(host) or tls or insecure:
        return
    raise BindRefused(
        f"--host {host} is not a loopback address: the lab (a shell on your cluster) would be "
        "served to the network in clear text, where the token and every keystroke can be read "
        f"on the way. Give --certfile and --keyfile to serve HTTPS, or {INSECURE_FLAG} if you "
        "trust every machine on that network"
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison (bytes: compare_digest refuses non-ASCII str)."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode("ascii"))


def cookie_name(port: int) -> str:
    # cookies ignore the port: two servers on one host must not overwrite each other's token
    return f"kubelab_token_{port}"


def same_origin(request: web.Request) -> bool:
    """A browser's cross-site request (a page elsewhere opening our websocket) names its origin;
    ours must match the Host it was sent to. Clients that send no Origin are not browsers."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def token_guard(token: str, *, port: int, secure: bool) -> Middleware:
    """aiohttp middleware: 403 without the token; a token in the URL becomes the cookie, and the
    page is loaded again without it (so it leaves the address bar and the history)."""
    name = cookie_name(port)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="403: a request from another site\n")
        in_url = request.query.get(TOKEN_PARAMETER)
        if in_url is not None:
            if not token_matches(in_url, token):
                raise web.HTTPForbidden(text="403: wrong token\n")
            query = request.rel_url.query.copy()
            del query[TOKEN_PARAMETER]
            found = web.HTTPFound(request.rel_url.with_query(query))
            found.set_cookie(name, token, httponly=True, samesite="Strict", secure=secure, path="/")
            raise found
        if not token_matches(request.cookies.get(name), token):
            raise web.HTTPForbidden(
                text="403: open the URL `kubelab web` printed (it carries the token)\n"
            )
        return await handler(request)

    return guard
