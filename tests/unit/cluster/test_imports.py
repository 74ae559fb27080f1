"""Choosing a cluster and `kubelab env`/`shell` stay fast: they never load the kubernetes client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_providers_and_env_do_not_import_the_kubernetes_client() -> None:
    code = (
        "import sys\n"
        "import kubelab.cluster.select, kubelab.cluster.sim, kubelab.cluster.kind\n"
        "import kubelab.cluster.context, kubelab.cluster.status\n"
        "import kubelab.commands.env, kubelab.commands.shell, kubelab.commands.up\n"
        "import kubelab.commands.down, kubelab.commands.status\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'kubernetes')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 0, result.stderr
