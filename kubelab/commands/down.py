"""`kubelab down`: remove the lab cluster (sim, kind) or kubelab's namespace (context)."""

from __future__ import annotations

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options, resolve_cluster, stderr_progress


@click.command(name="down")
@cluster_options
@exit_codes
def down(cluster: str | None, namespace: str | None, yes: bool) -> None:
    """Delete the lab cluster (on a borrowed context: only kubelab's labelled namespace)."""
    from kubelab.cluster.state import forget

    provider = resolve_cluster(cluster, namespace, yes)
    click.echo(f"kubelab: using {provider.spec} ({provider.reason})", err=True)
    provider.teardown(stderr_progress)
    forget(provider.spec)
    click.echo(f"Lab cluster {provider.spec} is down.")
