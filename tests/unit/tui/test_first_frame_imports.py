"""What the TUI's first frame loads: the home screen, the outline and the progress file, but no
validation library (pydantic), no terminal emulator (pyte) and no kubernetes client. (The
course, which needs pydantic, loads once provisioning has reached the cluster: not here.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_first_frame_needs_no_pydantic_pyte_or_kubernetes_client(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from kubelab.tui.launch import preflight\n"
        "assert preflight(cluster='sim', namespace=None, lessons=None) is None\n"
        "from kubelab.tui.app import create_app\n"
        "from kubelab.tui.screens.home import HomeScreen\n"
        "import asyncio\n"
        "app = create_app(cluster='sim', keymap={})\n"
        "app.start_provisioning = lambda yes=False: None  # the first frame only\n"
        "async def first_frame():\n"
        "    async with app.run_test(size=(80, 24)) as pilot:\n"
        "        await pilot.pause()\n"
        "        assert isinstance(app.screen, HomeScreen) and app.outline is not None\n"
        "asyncio.run(first_frame())\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "                {'pydantic', 'pyte', 'kubernetes'})\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KUBELAB_STATE_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
