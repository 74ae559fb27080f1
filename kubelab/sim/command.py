"""`kubelab sim serve`: run the built-in simulated cluster in the foreground."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click


@click.group(name="sim")
def sim() -> None:
    """The built-in simulated Kubernetes cluster."""


@sim.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address to bind.")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a kubeconfig for this cluster here once it is ready (mode 0600).",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="SQLite file that keeps the cluster's objects across restarts (default: in memory).",
)
@click.option(
    "--nodes",
    default=3,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Number of nodes of a fresh cluster.",
)
@click.option(
    "--namespace",
    default="default",
    show_default=True,
    help="Namespace of the kubeconfig's context.",
)
@click.option(
    "--header-timeout",
    default=32.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a client has, from connecting, to send a whole request head.",
)
@click.option(
    "--session-cpu-seconds",
    default=120.0,
    show_default=True,
    type=click.FloatRange(0.5, 86400),
    help="CPU time one exec/attach session's commands may use before the kernel ends them.",
)
@click.option(
    "--node-monitor-grace-period",
    default=40.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds a node may go without reporting before its conditions become Unknown.",
)
@click.option(
    "--node-startup-grace-period",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="The same for a node that never reported a Ready condition.",
)
def serve_command(
    host: str,
    port: int,
    kubeconfig: Path | None,
    state: Path | None,
    nodes: int,
    namespace: str,
    header_timeout: float,
    session_cpu_seconds: float,
    node_monitor_grace_period: float,
    node_startup_grace_period: float,
) -> None:
    """Serve the simulated cluster's API on HOST:PORT until interrupted."""
    from kubelab.sim.http_stack import import_without_ca_bundle

    import_without_ca_bundle()  # this process is the simulator: it makes no outbound TLS
    from kubelab.sim.serve import (
        ServeError,
        ServeOptions,
        check_loopback,
        configure_logging,
        serve,
    )

    try:
        check_loopback(host)
    except ServeError as e:
        raise click.BadParameter(str(e), param_hint="--host") from None
    from kubelab.sim.cluster_settings import ClusterSettings

    options = ServeOptions(
        host=host,
        port=port,
        kubeconfig=kubeconfig,
        state=state,
        nodes=nodes,
        namespace=namespace,
        header_timeout=header_timeout,
        session_cpu_seconds=session_cpu_seconds,
        settings=ClusterSettings(node_monitor_grace_period, node_startup_grace_period),
    )
    configure_logging()
    try:
        asyncio.run(serve(options))
    except ServeError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
