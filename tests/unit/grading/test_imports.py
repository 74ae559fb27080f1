"""Loading lessons loads the check modules; they must not pull in the (slow) kubernetes client."""

from __future__ import annotations

import subprocess
import sys


def test_check_modules_do_not_import_the_kubernetes_client() -> None:
    code = (
        "import sys\n"
        "import kubelab.lessons.loader, kubelab.grading.checks, kubelab.grading.reporters\n"
        "print(sorted(m for m in sys.modules if m == 'kubernetes' or m == 'textual'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
