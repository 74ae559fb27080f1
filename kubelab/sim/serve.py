"""Run the simulated cluster: store, cluster objects, controllers, HTTP server, kubeconfig.

Start-up order: open the store (loading `--state`), `kubelab.sim.bootstrap.bootstrap(store,
nodes=N)` (idempotent: creates what a fresh cluster has), bind the port, write the kubeconfig
(mode 0600): its existence means ready; then start every controller of
`kubelab.sim.controllers.CONTROLLERS` under a `Supervisor` (restarted with backoff when one
crashes, cancelled at shutdown). Diagnostics go through `logging`, set up once by
`configure_logging` when the simulator runs as its own process.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import logging
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from kubelab.sim.atomic import write_private
from kubelab.sim.cluster_settings import ClusterSettings
from kubelab.sim.registry import load_registry
from kubelab.sim.store import Store
from kubelab.sim.supervisor import Supervisor

if TYPE_CHECKING:  # imported when serving starts, after the store opens
    from kubelab.sim.server.tls import ServerCertificate

log = logging.getLogger("kubelab.sim")

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
    session_cpu_seconds: float = 120.0  # see dataplane/budgets.py
    settings: ClusterSettings = field(default_factory=ClusterSettings)


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


def ensure_base_namespaces(store: Store) -> None:
    rt = store.registry.by_key("/namespaces")
    for name in BASE_NAMESPACES:
        if store.try_get(rt, None, name) is None:
            store.create(rt, {"metadata": {"name": name}})


def bootstrap(store: Store, nodes: int) -> None:
    """Create what a fresh cluster has: the base namespaces, nodes and system pods."""
    from kubelab.sim import bootstrap as cluster_objects

    with store.transaction():
        ensure_base_namespaces(store)
        cluster_objects.bootstrap(store, nodes=nodes)


def configure_logging(level: int = logging.INFO) -> None:
    """The simulator's one logging setup: `kubelab sim: LEVEL logger: message` on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("kubelab sim: %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("kubelab.sim")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


async def serve(
    options: ServeOptions,
    *,
    ready: Callable[[str], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set)."""
    started = time.monotonic()
    host = check_loopback(options.host)
    store = _open_store(options)
    token = secrets.token_urlsafe(32)
    from kubelab.sim.server import tls
    from kubelab.sim.server.app import make_app

    cache = options.state.with_name(options.state.name + ".tls") if options.state else None
    certificate = tls.load_or_generate(cache, host)

    supervisor = Supervisor()
    stop_event = _stop_on_signals(stop)
    runner = await _start_runner(make_app(store, token, supervisor.checks))
    wrote: Path | None = None
    try:
        bootstrap(store, options.nodes)
        store.resume_deletions()  # graceful deletions the last run left in their grace period
        from kubelab.sim import namespace_content

        namespace_content.install(store, certificate.cert_pem.decode())
        server = await _listen(runner, host, options, certificate)
        wrote = _write_kubeconfig(options, server, token, certificate)
        # Controllers start right after: the API already answers, they catch up in a few ms.
        from kubelab.sim.controllers import CONTROLLERS

        supervisor.start(CONTROLLERS, store)
        if ready is not None:
            ready(server)
        log.info(
            "serving on %s (ready in %.2fs)%s",
            server,
            time.monotonic() - started,
            f", kubeconfig {wrote}" if wrote else "",
        )
        await stop_event.wait()
    finally:
        await _shut_down(supervisor, store, runner, wrote)


def _open_store(options: ServeOptions) -> Store:
    """The store over `--state`, with the run's settings and pod-command CPU budget."""
    registry = load_registry()
    try:
        store = Store(registry, options.state)
    except Exception as e:  # sqlite3.Error, OSError, a corrupt file: say which file
        raise ServeError(f"cannot open the state file {options.state}: {e}") from e
    from kubelab.sim.dataplane import budgets

    budgets.CPU_SECONDS = options.session_cpu_seconds
    store.settings = options.settings
    return store


async def _start_runner(app: web.Application) -> web.AppRunner:
    from kubelab.sim.server import limits

    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=1.0,
        keepalive_timeout=limits.IDLE_TIMEOUT,
    )
    await runner.setup()
    return runner


async def _listen(
    runner: web.AppRunner, host: str, options: ServeOptions, certificate: ServerCertificate
) -> str:
    """Bind the TLS port (within the connection cap); the server's URL."""
    from kubelab.sim.server import limits

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
    return f"https://{shown_host}:{port}"


def _write_kubeconfig(
    options: ServeOptions, server: str, token: str, certificate: ServerCertificate
) -> Path | None:
    """Write `--kubeconfig` (mode 0600), if asked: its existence tells clients the API answers."""
    if options.kubeconfig is None:
        return None
    try:
        write_private(
            options.kubeconfig,
            kubeconfig_text(server, token, options.namespace, certificate.cert_pem),
        )
    except OSError as e:
        raise ServeError(
            f"cannot write the kubeconfig {options.kubeconfig}: {e.strerror or e}"
        ) from e
    return options.kubeconfig


async def _shut_down(
    supervisor: Supervisor, store: Store, runner: web.AppRunner, wrote: Path | None
) -> None:
    """Stop controllers, watches and the server, close the store, remove the kubeconfig."""
    await supervisor.stop()
    store.stop_watches()
    await runner.cleanup()
    store.close()
    if wrote is not None:
        with contextlib.suppress(OSError):
            wrote.unlink()
        log.info("stopped")


def _stop_on_signals(stop: asyncio.Event | None) -> asyncio.Event:
    """The event that ends serving: `stop`, also set by SIGINT/SIGTERM. Installed before the
    kubeconfig exists, so a signal sent as soon as the cluster is ready stops it cleanly."""
    stop_event = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop_event.set)
    return stop_event


def _bound_port(site: web.TCPSite) -> int:
    server = site._server
    sockets: list[socket.socket] = list(getattr(server, "sockets", None) or [])
    if not sockets:
        raise ServeError("the server did not bind a socket")
    port: int = sockets[0].getsockname()[1]
    return port
