"""What importing a layer loads: the lesson layer nothing of the grader, the check modules not
the (slow) kubernetes client."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(imports: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules named by (or under) `prefixes` that importing `imports` loads, in a fresh
    interpreter."""
    code = (
        "import json, sys\n"
        f"import {imports}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_check_modules_do_not_import_the_kubernetes_client() -> None:
    imports = "kubelab.lessons.loader, kubelab.grading.checks, kubelab.grading.reporters"
    loaded = loaded_after(imports, ("kubernetes", "textual"))
    assert [m for m in loaded if m in ("kubernetes", "textual")] == []


def test_the_lesson_layer_loads_nothing_of_the_grader() -> None:
    assert (
        loaded_after("kubelab.lessons.loader, kubelab.lessons.schema", ("kubelab.grading",)) == []
    )
