"""The container engine kind runs on (docker, or podman): finding it, and telling why it cannot
run kind here (not installed, not running, no permission, rootless without delegated cgroups)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from kubelab.cluster.base import ClusterError

ROOTLESS_DOC = "https://kind.sigs.k8s.io/docs/user/rootless/"


@dataclass(frozen=True)
class Engine:
    """The container engine kind uses (docker, or podman via KIND_EXPERIMENTAL_PROVIDER)."""

    name: str
    path: str


def find_engine() -> Engine | None:
    wanted = os.environ.get("KIND_EXPERIMENTAL_PROVIDER", "").strip()
    order = [wanted] if wanted in ("docker", "podman") else ["docker", "podman"]
    for name in order:
        path = shutil.which(name)
        if path:
            return Engine(name, path)
    return None


def run_tool(argv: Sequence[str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"`{' '.join(argv)}` did not finish within {timeout:g}s") from exc
    except OSError as exc:
        raise ClusterError(f"cannot run {argv[0]}: {exc.strerror or exc}") from exc


def engine_problem(engine: Engine, output: str) -> ClusterError | None:
    """An actionable error for what `<engine> info` (or kind) printed, if it is a known failure."""
    text = output.lower()
    if "permission denied" in text and ("docker.sock" in text or "daemon socket" in text):
        return ClusterError(
            f"{engine.name} is installed but you have no permission to use it",
            hint="add yourself to the docker group (`sudo usermod -aG docker $USER`), then log "
            "out and back in; or use --cluster sim",
        )
    if (
        "cannot connect to the docker daemon" in text
        or "is the docker daemon running" in text
        or "error during connect" in text
        or "cannot connect to podman" in text
        or "unable to connect to podman" in text
    ):
        start = (
            "start Docker (Docker Desktop, or `sudo systemctl start docker`)"
            if engine.name == "docker"
            else "start Podman (`podman machine start`, or `systemctl --user start podman.socket`)"
        )
        return ClusterError(f"{engine.name} is not running", hint=f"{start}; or use --cluster sim")
    if "delegate=yes" in text or ("rootless" in text and "cgroup" in text):
        return ClusterError(
            f"rootless {engine.name} cannot run kind here: the cgroup controllers kind needs "
            "(cpu, memory, pids) are not delegated to your user",
            hint="create /etc/systemd/system/user@.service.d/delegate.conf with "
            "`[Service]` / `Delegate=yes`, run `sudo systemctl daemon-reload` and log in again "
            f"(see {ROOTLESS_DOC}); or use --cluster sim",
        )
    return None


def check_engine(engine: Engine, timeout: float = 30.0) -> None:
    """Raise an actionable ClusterError when the engine cannot run kind."""
    if engine.name == "podman":
        result = run_tool([engine.path, "info", "--format", "json"], timeout=timeout)
    else:
        result = run_tool([engine.path, "info", "--format", "{{json .}}"], timeout=timeout)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        problem = engine_problem(engine, output)
        if problem is not None:
            raise problem
        raise ClusterError(
            f"`{engine.name} info` failed: {output.strip()[:400]}",
            hint=f"make sure `{engine.name} info` works; or use --cluster sim",
        )
    if engine.name == "podman":
        try:
            info = json.loads(result.stdout)
        except ValueError:
            return
        host = info.get("host") or {}
        rootless = bool((host.get("security") or {}).get("rootless"))
        controllers = set(host.get("cgroupControllers") or [])
        if rootless and not {"cpu", "memory", "pids"} <= controllers:
            raise ClusterError(
                "rootless podman cannot run kind here: the cgroup controllers kind needs "
                f"(cpu, memory, pids) are not delegated to your user (have: "
                f"{', '.join(sorted(controllers)) or 'none'})",
                hint="create /etc/systemd/system/user@.service.d/delegate.conf with "
                "`[Service]` / `Delegate=yes`, run `sudo systemctl daemon-reload` and log in "
                f"again (see {ROOTLESS_DOC}); or use --cluster sim",
            )


def detect() -> tuple[bool, str]:
    """Whether kind can be used here, and why (for `--cluster auto`)."""
    if shutil.which("kind") is None:
        return False, "no `kind` binary on PATH"
    engine = find_engine()
    if engine is None:
        return False, "`kind` is installed but neither docker nor podman is"
    try:
        check_engine(engine, timeout=10.0)
    except ClusterError as exc:
        return False, f"`kind` is installed but {exc.message}"
    return True, f"`kind` and a working {engine.name} were found"
