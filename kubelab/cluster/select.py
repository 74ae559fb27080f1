"""Choosing the lab cluster: `--cluster auto|sim|kind[:NAME]|context:NAME`, `--namespace`, `--yes`.

Without `--cluster`: `KUBELAB_CLUSTER`, else the cluster `kubelab up` remembered, else the config
file's `cluster`, else `auto` (kind when a `kind` binary and a working Docker/Podman are found,
otherwise the simulator). The provider's `reason` says which was picked and why.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from kubelab.cluster.base import ClusterError, Provider
from kubelab.cluster.state import CLUSTER_ENV, Remembered, config, config_path, remembered

F = TypeVar("F", bound=Callable[..., Any])

SPEC_HELP = "auto, sim, kind, kind:NAME or context:NAME"


def _provider_for(
    spec: str, *, namespace: str | None, yes: bool, confirm: Callable[[str], bool] | None
) -> Provider:
    kind, _, name = spec.partition(":")
    kind = kind.strip().lower()
    name = name.strip()
    if kind == "sim" and not name:
        from kubelab.cluster.sim import SimProvider

        return SimProvider()
    if kind == "kind":
        from kubelab.cluster.kind import DEFAULT_NAME, KindProvider

        return KindProvider(name or DEFAULT_NAME)
    if kind == "context":
        if not name:
            raise ClusterError(
                "--cluster context:NAME needs a context name",
                hint="list them with `kubectl config get-contexts`",
            )
        from kubelab.cluster.context import ContextProvider

        if confirm is None:
            return ContextProvider(name, namespace=namespace, yes=yes)
        return ContextProvider(name, namespace=namespace, yes=yes, confirm=confirm)
    raise ClusterError(f"unknown cluster {spec!r}", hint=f"use {SPEC_HELP}")


def canonical_spec(spec: str) -> str:
    """`kind` -> `kind:kubelab`, `SIM` -> `sim`: the form remembered in the state dir."""
    kind, sep, name = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "kind" and not name.strip():
        from kubelab.cluster.kind import DEFAULT_NAME

        return f"kind:{DEFAULT_NAME}"
    if kind in ("sim", "auto") and not name.strip():
        return kind
    return f"{kind}{sep}{name.strip()}"


def _auto() -> tuple[str, str]:
    from kubelab.cluster.kind import detect

    usable, why = detect()
    if usable:
        return "kind", f"auto picked kind: {why}"
    return "sim", f"auto picked the simulator: {why}"


def resolve_provider(
    cluster: str | None,
    *,
    namespace: str | None,
    yes: bool,
    confirm: Callable[[str], bool] | None = None,
) -> Provider:
    """The provider for `--cluster` (None: env var, remembered cluster, config file, auto).

    The provider's `reason` attribute says where the choice came from. Raises ClusterError for
    a value that names no cluster type. A borrowed context asks `confirm` (default: a terminal
    prompt on the main thread) before changing anything, unless `yes` (or `kubelab up` already
    confirmed it); without an answer it raises ConfirmationRequired (exit code 2).
    """
    memory: Remembered | None = None
    if cluster:
        spec, reason = cluster, f"--cluster {cluster}"
    elif os.environ.get(CLUSTER_ENV):
        spec = os.environ[CLUSTER_ENV]
        reason = f"{CLUSTER_ENV}={spec}"
    elif (memory := remembered()) is not None:
        spec, reason = memory.spec, f"the cluster `kubelab up` provisioned ({memory.spec})"
    elif config().get("cluster"):
        spec = str(config()["cluster"])
        reason = f"cluster = {spec!r} in {config_path()}"
    else:
        spec, reason = "auto", "no cluster chosen"
    spec = canonical_spec(spec)
    if spec == "auto":
        spec, reason = _auto()
        spec = canonical_spec(spec)
    current = memory if memory is not None else remembered()
    same = current is not None and current.spec == spec
    confirmed = False
    if current is not None and same:
        if namespace is None:
            namespace = current.namespace
        confirmed = current.confirmed and namespace == current.namespace
    if namespace is None and config().get("namespace"):
        namespace = str(config()["namespace"])
    provider = _provider_for(spec, namespace=namespace, yes=yes or confirmed, confirm=confirm)
    provider.reason = reason
    return provider


def check_cluster_options(cluster: str | None, namespace: str | None) -> None:
    """Raise ClusterError for a `--cluster`/`--namespace` pair that can never work (an unknown
    cluster type, a bad kind cluster or namespace name), without touching any cluster: what a
    command that starts slowly (the TUI) checks before it starts."""
    spec = canonical_spec(cluster) if cluster else "auto"
    if spec == "auto":
        return
    _provider_for(spec, namespace=namespace, yes=False, confirm=None)


def cluster_options(command: F) -> F:
    """Add `--cluster`, `--namespace` and `--yes` to a click command (as `cluster`,
    `namespace`, `yes` keyword arguments)."""
    command = click.option(
        "--yes",
        "-y",
        is_flag=True,
        default=False,
        help="Confirm changes to a cluster kubelab did not create (context:NAME) without asking.",
    )(command)
    command = click.option(
        "--namespace",
        "-n",
        default=None,
        metavar="NAME",
        help="Lab namespace on a borrowed context (default kubelab-<user>); one per learner.",
    )(command)
    command = click.option(
        "--cluster",
        "-c",
        default=None,
        metavar="CLUSTER",
        help=f"Lab cluster: {SPEC_HELP} (default: ${CLUSTER_ENV}, else the one `kubelab up` "
        "provisioned, else `cluster` in the config file, else auto).",
    )(command)
    return command


def report_cluster_errors(function: F) -> F:
    """Turn a ClusterError (a refused confirmation too) into its message and hint on stderr and
    exit code 2; Ctrl-C into `kubelab: interrupted` and exit 130 (never click's exit 1)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ClusterError as exc:
            click.echo(f"kubelab: {exc}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("kubelab: interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def stderr_progress(message: str) -> None:
    click.echo(f"  {message}", err=True)
