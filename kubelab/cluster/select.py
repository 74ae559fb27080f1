"""Choosing the lab cluster: `--cluster auto|sim|kind[:NAME]|context:NAME`, `--namespace`, `--yes`.

Without `--cluster`: `KUBELAB_CLUSTER`, else the cluster `kubelab up` remembered, else the config
file's `cluster`, else `auto` (kind when a `kind` binary and a working Docker/Podman are found,
otherwise the simulator). The provider's `reason` says which was picked and why.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Final

from kubelab.cluster.base import (
    SPEC_HELP,
    Confirm,
    Provider,
    ProviderOptions,
    unknown_cluster,
)
from kubelab.cluster.context import ContextProvider
from kubelab.cluster.kind import KindProvider
from kubelab.cluster.sim import SimProvider
from kubelab.cluster.state import CLUSTER_ENV, Remembered, config, config_path, remembered

__all__ = ["PROVIDERS", "SPEC_HELP", "canonical_spec", "check_cluster_options", "resolve_provider"]

# The `--cluster` prefix -> its provider. A new provider: one Provider subclass, one line here.
PROVIDERS: Final[Mapping[str, type[Provider]]] = {
    SimProvider.kind: SimProvider,
    KindProvider.kind: KindProvider,
    ContextProvider.kind: ContextProvider,
}


def _split(spec: str) -> tuple[str, str, str]:
    kind, sep, name = spec.strip().partition(":")
    return kind.strip().lower(), sep, name.strip()


def _provider_for(spec: str, options: ProviderOptions) -> Provider:
    kind, _, name = _split(spec)
    provider = PROVIDERS.get(kind)
    if provider is None:
        raise unknown_cluster(spec)
    return provider.from_spec(name, options)


def canonical_spec(spec: str) -> str:
    """`kind` -> `kind:kubelab`, `SIM` -> `sim`: the form remembered in the state dir."""
    kind, sep, name = _split(spec)
    provider = PROVIDERS.get(kind)
    if provider is not None:
        return provider.canonical_spec(name, sep)
    if kind == "auto" and not name:
        return kind
    return f"{kind}{sep}{name}"


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
    confirm: Confirm | None = None,
) -> Provider:
    """The provider for `--cluster` (None: env var, remembered cluster, config file, auto).

    The provider's `reason` attribute says where the choice came from. Raises ClusterError for
    a value that names no cluster type. A borrowed context asks `confirm` before changing
    anything, unless `yes` (or `kubelab up` already confirmed it); without `confirm` it raises
    ConfirmationRequired (exit code 2).
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
    options = ProviderOptions(namespace=namespace, yes=yes or confirmed, confirm=confirm)
    provider = _provider_for(spec, options)
    provider.reason = reason
    return provider


def check_cluster_options(cluster: str | None, namespace: str | None) -> None:
    """Raise ClusterError for a `--cluster`/`--namespace` pair that can never work (an unknown
    cluster type, a bad kind cluster or namespace name), without touching any cluster: what a
    command that starts slowly (the TUI) checks before it starts."""
    spec = canonical_spec(cluster) if cluster else "auto"
    if spec == "auto":
        return
    _provider_for(spec, ProviderOptions(namespace=namespace))
