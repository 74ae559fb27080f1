"""`kubelab shell`: the user's shell with KUBECONFIG set and kubelab's kubectl first on PATH."""

from __future__ import annotations

import os
import shutil
import sys

import click

from kubelab.cluster.base import ClusterError
from kubelab.cluster.kubectl import kubectl_env, kubectl_path
from kubelab.commands.env import lab_kubeconfig
from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options


@click.command(name="shell")
@cluster_options
@exit_codes
def shell(cluster: str | None, namespace: str | None, yes: bool) -> None:
    """Open your $SHELL pointed at the lab cluster (exit it to come back).

    KUBECONFIG is kubelab's own kubeconfig and kubelab's kubectl comes first on PATH.
    """
    path = lab_kubeconfig(cluster, namespace, yes)
    kubectl_path()  # a clear error now rather than a confusing `kubectl: not found` later
    program = os.environ.get("SHELL") or ("cmd.exe" if sys.platform == "win32" else "/bin/sh")
    environment = kubectl_env(path)
    environment["KUBELAB_SHELL"] = "1"
    resolved = shutil.which(program, path=environment["PATH"])
    if resolved is None:
        raise ClusterError(
            f"cannot start your shell {program}: not found",
            hint="set $SHELL to a shell that exists",
        )
    click.echo(f"kubelab: shell with KUBECONFIG={path}; `exit` to leave", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # The shell replaces this process: Ctrl-C and job control reach it alone, its exit code is
    # the command's.
    try:
        os.execve(resolved, [program], environment)
    except OSError as exc:
        raise ClusterError(
            f"cannot start your shell {program}: {exc.strerror or exc}",
            hint="set $SHELL to a shell that exists",
        ) from exc
