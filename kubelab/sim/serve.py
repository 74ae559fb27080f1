"""Run the simulated cluster: store, cluster objects, controllers, HTTP server, kubeconfig.

Start-up order: open the store (loading `--state`), `kubelab.sim.cluster.bootstrap(store,
nodes=N)` (idempotent: creates what a fresh cluster has), bind the port, start every controller
of `kubelab.sim.controllers.CONTROLLERS` (each an `async def controller(store) -> None` run as a
task, cancelled at shutdown), then write the kubeconfig (mode 0600): its existence means ready.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import ipaddress
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from kubelab.sim.registry import load_registry
from kubelab.sim.store import Store

CLUSTER_NAME = "kubelab-sim"
BASE_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


class ServeError(Exception):
    """A problem the user can fix (bad --host, port in use, unwritable path)."""


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 0
    kubeconfig: Path | None = None
    state: Path | None = None
    nodes: int = 3
    namespace: str = "default"
    header_timeout: float = 32.0  # see server/limits.py
    session_cpu_seconds: float = 120.0  # see dataplane/exec_workers.py


def check_loopback(host: str) -> str:
    """The address to bind, if `host` is a loopback address; ServeError otherwise."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ServeError(
            f"--host {host!r} is not an IP address; the simulator binds loopback only "
            "(127.0.0.1, ::1)"
        ) from None
    if not address.is_loopback:
        raise ServeError(
            f"--host {host} is not a loopback address; the simulator binds loopback only "
            "(127.0.0.1, ::1)"
        )
    return host


def kubeconfig_text(
    server: str, token: str, namespace: str = "default", ca_pem: bytes = b""
) -> str:
    ca = f"    certificate-authority-data: {base64.b64encode(ca_pem).decode()}\n" if ca_pem else ""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {CLUSTER_NAME}\n"
        "  cluster:\n"
        f"{ca}"
        f"    server: {server}\n"
        "contexts:\n"
        f"- name: {CLUSTER_NAME}\n"
        "  context:\n"
        f"    cluster: {CLUSTER_NAME}\n"
        f"    user: {CLUSTER_NAME}\n"
        f"    namespace: {namespace}\n"
        f"current-context: {CLUSTER_NAME}\n"
        "preferences: {}\n"
        "users:\n"
        f"- name: {CLUSTER_NAME}\n"
        "  user:\n"
        f"    token: {token}\n"
    )


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def ensure_base_namespaces(store: Store) -> None:
    rt = store.registry.by_key("/namespaces")
    for name in BASE_NAMESPACES:
        if store.try_get(rt, None, name) is None:
            store.create(rt, {"metadata": {"name": name}})


def bootstrap(store: Store, nodes: int) -> None:
    """Create what a fresh cluster has (CLUSTER's `kubelab.sim.cluster.bootstrap` if present)."""
    with store.transaction():
        ensure_base_namespaces(store)
        try:
            cluster = importlib.import_module("kubelab.sim.cluster")
        except ImportError:
            return
        boot: Callable[..., None] | None = getattr(cluster, "bootstrap", None)
        if boot is not None:
            boot(store, nodes=nodes)


def controllers() -> list[Callable[[Store], Any]]:
    try:
        module = importlib.import_module("kubelab.sim.controllers")
    except ImportError:
        return []
    found: list[Callable[[Store], Any]] = list(getattr(module, "CONTROLLERS", []))
    return found


async def serve(
    options: ServeOptions,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set)."""
    started = time.monotonic()
    host = check_loopback(options.host)
    registry = load_registry()
    try:
        store = Store(registry, options.state)
    except Exception as e:  # sqlite3.Error, OSError, a corrupt file: say which file
        raise ServeError(f"cannot open the state file {options.state}: {e}") from e
    store.defer_commits = True  # the server flushes before each answer
    from kubelab.sim.dataplane import exec_workers

    exec_workers.CPU_SECONDS = options.session_cpu_seconds
    token = secrets.token_urlsafe(32)
    from kubelab.sim.server import tls
    from kubelab.sim.server.app import make_app

    cache = options.state.with_name(options.state.name + ".tls") if options.state else None
    certificate = tls.load_or_generate(cache, host)

    app = make_app(store, token)
    from kubelab.sim.server import limits

    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=1.0,
        keepalive_timeout=limits.IDLE_TIMEOUT,
    )
    await runner.setup()
    tasks: list[asyncio.Task[Any]] = []
    wrote: Path | None = None
    try:
        bootstrap(store, options.nodes)
        store.resume_deletions()  # graceful deletions the last run left in their grace period
        from kubelab.sim import namespace_content

        namespace_content.install(store, certificate.cert_pem.decode())
        site = limits.LimitedSite(
            runner,
            host,
            options.port,
            ssl_context=certificate.ssl_context(),
            cap=limits.connection_cap(limits.raise_fd_limit(), limits.open_fds()),
            header_timeout=options.header_timeout,
        )
        try:
            await site.start()
        except OSError as e:
            raise ServeError(f"cannot listen on {host}:{options.port}: {e.strerror or e}") from e
        port = _bound_port(site)
        shown_host = f"[{host}]" if ":" in host else host
        server = f"https://{shown_host}:{port}"
        if options.kubeconfig is not None:
            try:
                write_private(
                    options.kubeconfig,
                    kubeconfig_text(server, token, options.namespace, certificate.cert_pem),
                )
            except OSError as e:
                raise ServeError(
                    f"cannot write the kubeconfig {options.kubeconfig}: {e.strerror or e}"
                ) from e
            wrote = options.kubeconfig
        # Controllers start right after: the API already answers, they catch up in a few ms.
        for controller in controllers():
            tasks.append(asyncio.create_task(_run_controller(controller, store)))
        if ready is not None:
            ready(server)
        print(
            f"kubelab sim: serving on {server} (ready in {time.monotonic() - started:.2f}s)"
            + (f", kubeconfig {wrote}" if wrote else ""),
            file=sys.stderr,
            flush=True,
        )
        stop_event = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop_event.set)
        await stop_event.wait()
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        store.stop_watches()
        await runner.cleanup()
        store.close()
        if wrote is not None:
            with contextlib.suppress(OSError):
                wrote.unlink()
            print("kubelab sim: stopped", file=sys.stderr, flush=True)


async def _run_controller(controller: Callable[[Store], Any], store: Store) -> None:
    name = getattr(controller, "__qualname__", repr(controller))
    try:
        await controller(store)
    except asyncio.CancelledError:
        raise
    except Exception:
        import traceback

        print(f"kubelab sim: controller {name} failed:", file=sys.stderr)
        traceback.print_exc(file=sys.stderr)


def _bound_port(site: web.TCPSite) -> int:
    server = site._server
    sockets: list[socket.socket] = list(getattr(server, "sockets", None) or [])
    if not sockets:
        raise ServeError("the server did not bind a socket")
    port: int = sockets[0].getsockname()[1]
    return port
