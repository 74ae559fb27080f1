"""`kubelab status`: provider, context, API reachable, nodes ready, exposed Services."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click

from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options, resolve_cluster


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


@click.command(name="status")
@cluster_options
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@exit_codes
def status(cluster: str | None, namespace: str | None, yes: bool, as_json: bool) -> None:
    """Show the lab cluster: API reachable, nodes ready, exposed NodePort/LoadBalancer addresses.

    Exit code 0 when the cluster answers, 2 when it is not provisioned or does not answer.
    """
    provider = resolve_cluster(cluster, namespace, yes)
    state = provider.status()
    healthy = state.provisioned and state.api_reachable
    if as_json:
        data = _jsonable(asdict(state))
        data["spec"] = provider.spec
        data["reason"] = provider.reason
        data["nodes_ready"] = state.nodes_ready
        click.echo(json.dumps(data, indent=2))
        sys.exit(0 if healthy else 2)
    click.echo(f"cluster:    {provider.spec} ({provider.reason})")
    click.echo(f"provisioned: {'yes' if state.provisioned else 'no'}")
    if state.context:
        click.echo(f"context:    {state.context}")
        click.echo(f"namespace:  {state.namespace}")
        click.echo(f"kubeconfig: {state.kubeconfig}")
    if state.provisioned:
        reach = "yes" if state.api_reachable else "NO"
        version = f" ({state.server_version})" if state.server_version else ""
        click.echo(f"API reachable: {reach}{version}")
    if state.api_reachable:
        click.echo(f"nodes ready: {state.nodes_ready}/{len(state.nodes)}")
        for node in state.nodes:
            roles = ",".join(node.roles) or "<none>"
            click.echo(f"  {node.name:<28} {'Ready' if node.ready else 'NotReady':<9} {roles}")
        click.echo(f"can do:     {', '.join(sorted(state.capabilities)) or 'none'}")
        if state.exposed:
            click.echo("exposed services:")
            for svc in state.exposed:
                where = f"{svc.address[0]}:{svc.address[1]}" if svc.address else svc.note
                name = f"{svc.namespace}/{svc.name}"
                click.echo(f"  {name:<32} {svc.type:<12} {svc.port:<6} {where}")
        else:
            click.echo("exposed services: none")
    for problem in state.problems:
        click.echo(f"problem: {problem}")
    sys.exit(0 if healthy else 2)
