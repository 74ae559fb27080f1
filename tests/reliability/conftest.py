"""Fixtures of the reliability suites (the simulator fixtures come from tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# the TUI tests' helpers (tui_support) and ours (tui_vanish_support) import by name
for folder in (HERE, HERE.parent / "functional" / "tui"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture
def tui_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KUBECACHEDIR", str(tmp_path / "kubectl-cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("KUBELAB_KEYS", raising=False)
    return tmp_path
