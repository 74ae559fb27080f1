"""Running a command in a pod: the exec stream, its exit status, and what a refused exec means."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException

from kubelab.cluster.api_errors import ApiRejected, rejected
from kubelab.cluster.base import ClusterError, ClusterUnreachable

Argv = list[str]


class ExecTimedOut(ClusterError):
    """A command run in a pod did not finish in time; carries the output seen so far."""

    def __init__(self, message: str, stdout: str, stderr: str) -> None:
        super().__init__(message)
        self.stdout = stdout
        self.stderr = stderr


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str


def run_exec(
    api: Any,
    server: str,
    pod: str,
    command: Argv,
    namespace: str,
    container: str | None,
    timeout: float,
) -> ExecResult:
    """Run `command` in the pod through `api` (an ApiClient of this exec's own) and collect
    its output and exit code (the status channel)."""
    from kubernetes.stream import stream

    core = CoreV1Api(api)
    kwargs: dict[str, Any] = {
        "command": command,
        "stderr": True,
        "stdin": False,
        "stdout": True,
        "tty": False,
        "_preload_content": False,
    }
    if container:
        kwargs["container"] = container
    try:
        ws = stream(core.connect_get_namespaced_pod_exec, pod, namespace, **kwargs)
    except ApiException as exc:
        raise exec_failure(exc, server, pod) from exc
    stdout: list[str] = []
    stderr: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while ws.is_open():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExecTimedOut(
                    f"`{' '.join(command)}` in pod {pod} did not finish within {timeout:g}s",
                    "".join(stdout),
                    "".join(stderr),
                )
            ws.update(timeout=min(remaining, 1.0))
            if ws.peek_stdout():
                stdout.append(ws.read_stdout())
            if ws.peek_stderr():
                stderr.append(ws.read_stderr())
        if ws.peek_stdout():
            stdout.append(ws.read_stdout())
        if ws.peek_stderr():
            stderr.append(ws.read_stderr())
        status_text = ws.read_channel(3)
    finally:
        ws.close()
    return ExecResult(exit_code(status_text, pod), "".join(stdout), "".join(stderr))


_HANDSHAKE = re.compile(r"Handshake status (\d{3})")


def exec_failure(exc: ApiException, server: str, pod: str) -> ClusterError:
    reason = str(exc.reason or "")
    match = _HANDSHAKE.search(reason)
    if exc.status:
        return rejected(int(exc.status), reason, exc.body)
    if match:
        code = int(match.group(1))
        body_start = reason.find("{")
        if body_start >= 0:
            refused = rejected(code, "", reason[body_start : reason.rfind("}") + 1])
            if refused.status:
                return refused
        return ApiRejected(code, "Error", f"exec in pod {pod} was refused: {reason[:300]}")
    return ClusterUnreachable(
        f"cannot exec in pod {pod} at {server}: {reason[:300]}",
        hint="check the cluster with `kubelab status`",
    )


def exit_code(status_text: str, pod: str) -> int:
    """The exit code from the exec status channel (3): Success -> 0, NonZeroExitCode -> N."""
    if not status_text.strip():
        raise ClusterError(f"exec in pod {pod} ended without an exit status")
    try:
        status = json.loads(status_text)
    except ValueError as exc:
        raise ClusterError(
            f"exec in pod {pod} sent an unreadable status: {status_text[:200]!r}"
        ) from exc
    if status.get("status") == "Success":
        return 0
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message", "1"))
    raise ApiRejected(
        int(status.get("code") or 500),
        str(status.get("reason") or "InternalError"),
        str(status.get("message") or f"exec in pod {pod} failed"),
        status,
    )
