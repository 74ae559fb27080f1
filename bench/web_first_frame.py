"""Time from `kubelab web` to the first frame in the browser, on the simulator.

Starts the real `kubelab web --cluster sim --port 0 --no-browser` and a headless Chromium
(Debian's `chromium`, via playwright's `executable_path`), then times, from the spawn of
`kubelab web`:
  - URL: the server printed its URL (it listens);
  - first frame: the page drew the app's first output (textual-serve's client marks the page
    `-first-byte`), which includes loading the page, the websocket, and starting the tab's app;
  - lesson list: the home screen shows the course (read from the websocket through pyte).
The first run starts the simulator (cold); later runs reuse it, as a learner's second visit does.
Then the same with the page opened --later seconds after the URL (a learner who clicks it; the
app started ahead of any tab has drawn by then): from opening the page to its first frame.
The browser is started once, before the runs, and not counted. Prints figures; asserts nothing.

    .venv/bin/python bench/web_first_frame.py [--runs 5] [--later 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))

from web_support import BrowserTab, ServedLab, chromium_path, launch_chromium


def one_run(browser: object, home: Path) -> tuple[float, float, float]:
    lab = ServedLab(home)
    try:
        listening = time.perf_counter() - lab.started
        tab = BrowserTab(browser, lab)
        tab.open()
        first_frame = time.perf_counter() - lab.started
        tab.wait_for("01 Why Services?")
        lessons = time.perf_counter() - lab.started
        tab.close()
    finally:
        lab.stop()
    return listening, first_frame, lessons


def later_run(browser: object, home: Path, later: float) -> float:
    lab = ServedLab(home)
    try:
        time.sleep(later)
        tab = BrowserTab(browser, lab)
        opened = time.perf_counter()
        tab.open()
        first_frame = time.perf_counter() - opened
        tab.close()
    finally:
        lab.stop()
    return first_frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--later", type=float, default=8.0)
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        sys.exit("no chromium here: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    results: list[tuple[float, float, float]] = []
    later: list[float] = []
    with tempfile.TemporaryDirectory(prefix="kubelab-web-bench-") as tmp, sync_playwright() as p:
        home = Path(tmp)
        browser = launch_chromium(p, executable)
        try:
            for run in range(args.runs):
                listening, first_frame, lessons = one_run(browser, home)
                results.append((listening, first_frame, lessons))
                kind = "cold (starts the simulator)" if run == 0 else "warm (simulator running)"
                print(
                    f"run {run + 1}: URL {listening:.2f}s  first frame {first_frame:.2f}s  "
                    f"lesson list {lessons:.2f}s  [{kind}]"
                )
            for run in range(args.runs):
                later.append(later_run(browser, home, args.later))
                print(f"opened {args.later:g}s later, run {run + 1}: first frame {later[-1]:.2f}s")
        finally:
            browser.close()
            ServedLab.stop_simulator_in(home)
    warm = results[1:] or results
    for index, name in enumerate(("URL", "first frame", "lesson list")):
        figures = [r[index] for r in warm]
        print(
            f"{name}: median {statistics.median(figures):.2f}s over {len(warm)} warm run(s) "
            f"(min {min(figures):.2f}s, max {max(figures):.2f}s); cold {results[0][index]:.2f}s"
        )
    print(
        f"page opened {args.later:g}s after the URL, to its first frame: median "
        f"{statistics.median(later):.2f}s over {len(later)} run(s) "
        f"(min {min(later):.2f}s, max {max(later):.2f}s)"
    )
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
