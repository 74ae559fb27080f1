"""The README's picture of the lab in a browser: docs/web-lab.png.

The path tests/web/test_web_browser.py walks (web_support.walk_to_the_console): `kubelab web` on
the simulator, lesson 2 opened with the keys, `kubectl get pods` run in its console; then a
screenshot of the headless Chromium page.

    .venv/bin/python scripts/web_screenshot.py [--out docs/web-lab.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "web"))

from web_support import (  # noqa: E402
    BrowserTab,
    ServedLab,
    chromium_path,
    launch_chromium,
    walk_to_the_console,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "web-lab.png")
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        sys.exit("no chromium here: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="kubelab-web-shot-") as tmp, sync_playwright() as p:
        browser = launch_chromium(p, executable)
        lab = ServedLab(Path(tmp))
        try:
            tab = BrowserTab(browser, lab, width=1200, height=720)
            tab.open()
            walk_to_the_console(tab)
            tab.page.wait_for_timeout(1000)  # let xterm.js paint the last frame
            tab.screenshot(args.out)
        finally:
            lab.stop()
            lab.stop_simulator()
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
