"""`kubelab env`: print the shell line that points kubectl at the lab cluster."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from kubelab.cluster.base import ClusterError
from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options, resolve_cluster


def lab_kubeconfig(cluster: str | None, namespace: str | None, yes: bool) -> Path:
    """The provisioned lab cluster's kubeconfig (ClusterError when there is none yet)."""
    provider = resolve_cluster(cluster, namespace, yes)
    path = provider.existing_kubeconfig()
    if path is None:
        raise ClusterError(
            f"the lab cluster {provider.spec} is not up",
            hint=f"run `kubelab up --cluster {provider.spec}` first",
        )
    return path


@click.command(name="env")
@cluster_options
@click.option(
    "--shell",
    "shell_name",
    type=click.Choice(["sh", "fish", "powershell"]),
    default=None,
    help="Syntax of the line (default: from $SHELL; sh covers bash and zsh).",
)
@exit_codes
def env(cluster: str | None, namespace: str | None, yes: bool, shell_name: str | None) -> None:
    """Print `export KUBECONFIG=...` for the lab cluster: eval "$(kubelab env)"."""
    path = lab_kubeconfig(cluster, namespace, yes)
    if shell_name is None:
        shell_name = "fish" if os.environ.get("SHELL", "").endswith("fish") else "sh"
    if shell_name == "fish":
        click.echo(f"set -gx KUBECONFIG {shlex.quote(str(path))}")
    elif shell_name == "powershell":
        click.echo(f"$Env:KUBECONFIG = '{str(path).replace(chr(39), chr(39) * 2)}'")
    else:
        click.echo(f"export KUBECONFIG={shlex.quote(str(path))}")
