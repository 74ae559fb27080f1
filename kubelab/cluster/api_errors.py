"""What the API server answers when it refuses a request, as an exception with its Status."""

from __future__ import annotations

import json

from kubelab.cluster.base import ClusterError
from kubelab.objects import Obj


class ApiRejected(ClusterError):
    """The API server answered with an error Status (404, 409, 422, ...)."""

    def __init__(
        self, status_code: int, reason: str, message: str, status: Obj | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason
        self.status = status or {}

    def __str__(self) -> str:
        return f"{self.message} ({self.status_code} {self.reason})"


def rejected(status_code: int, http_reason: str, body: bytes | str | None) -> ApiRejected:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        status = json.loads(text) if text else {}
    except ValueError:
        status = {}
    if isinstance(status, dict) and status.get("kind") == "Status":
        return ApiRejected(
            int(status.get("code") or status_code),
            str(status.get("reason") or http_reason or "Unknown"),
            str(status.get("message") or text.strip() or http_reason),
            status,
        )
    return ApiRejected(status_code, http_reason or "Unknown", text.strip() or http_reason)


def short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).splitlines()[0][:300]
