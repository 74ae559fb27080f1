"""`kubelab up`: provision the lab cluster (or reuse it) and remember it for later commands."""

from __future__ import annotations

import shlex

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options, resolve_cluster, stderr_progress


@click.command(name="up")
@cluster_options
@exit_codes
def up(cluster: str | None, namespace: str | None, yes: bool) -> None:
    """Provision the lab cluster (reusing a running one) and make it the default."""
    from kubelab.cluster.state import Remembered, remember

    provider = resolve_cluster(cluster, namespace, yes)
    click.echo(f"kubelab: using {provider.spec} ({provider.reason})", err=True)
    lab = provider.provision(stderr_progress)
    remember(Remembered(spec=provider.spec, namespace=lab.namespace, confirmed=True))
    click.echo(f"Lab cluster ready: {provider.spec}")
    click.echo(f"  context:    {lab.context}")
    click.echo(f"  namespace:  {lab.namespace}")
    click.echo(f"  kubeconfig: {lab.kubeconfig}")
    caps = ", ".join(sorted(lab.capabilities)) or "none"
    click.echo(f"  can do:     {caps}")
    for reason in lab.missing(["loadbalancer", "nodeport-from-host", "multi-node"]):
        click.echo(f"  missing:    {reason} (steps that need it are skipped)")
    export = f"export KUBECONFIG={shlex.quote(str(lab.kubeconfig))}"
    click.echo(f"Use it from your shell: `kubelab shell`, or `{export}`")
