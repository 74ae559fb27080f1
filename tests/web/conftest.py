"""`kubelab web` tests: the served lab (a real `kubelab web` process on the simulator)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from web_support import ServedLab


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedLab]:
    """`kubelab web --cluster sim` in a fresh state dir; stopped (Ctrl-C) afterwards, its
    simulator too."""
    lab = ServedLab(tmp_path)
    try:
        yield lab
    finally:
        lab.stop()
        lab.stop_simulator()
