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
def serve_command(
    host: str, port: int, kubeconfig: Path | None, state: Path | None, nodes: int, namespace: str
) -> None:
    """Serve the simulated cluster's API on HOST:PORT until interrupted."""
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
    options = ServeOptions(
        host=host, port=port, kubeconfig=kubeconfig, state=state, nodes=nodes, namespace=namespace
    )
    configure_logging()
    try:
        asyncio.run(serve(options))
    except ServeError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        pass
