"""The answers every handler shares: JSON bodies, `Status` objects for errors, Warning headers,
and the 404 of a path the server does not serve."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from aiohttp import web

from kubelab.sim.errors import ApiError


def quote_warning(text: str) -> str:
    """A `Warning: 299 - "text"` header value (`net.NewWarningHeader`): backslash and quote
    escaped, control characters (never allowed in a header) replaced by a space."""
    clean = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    return '299 - "' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def json_response(
    data: Any,
    status: int = 200,
    *,
    content_type: str = "application/json",
    warnings: list[str] | None = None,
) -> web.Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    resp = web.Response(body=body, status=status, headers={"Content-Type": content_type})
    for w in warnings or []:
        resp.headers.add("Warning", quote_warning(w))
    return resp


def status_response(err: ApiError, warnings: list[str] | None = None) -> web.Response:
    resp = json_response(err.status(), err.code, warnings=warnings)
    for k, v in err.headers.items():
        resp.headers[k] = v
    return resp


def page_not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})
