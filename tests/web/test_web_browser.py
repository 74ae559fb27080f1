"""The lab in a real headless Chromium (Debian's `chromium`, driven by playwright).

xterm.js draws on a canvas, so the tests read what the app sent over the websocket through a
terminal emulator (web_support.BrowserTab). Skipped, with the reason, where chromium is absent
(`scripts/test` installs it when it runs as root).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web_support import (
    LESSON_2_NAMESPACE,
    BrowserTab,
    ServedLab,
    chromium_path,
    launch_chromium,
    pid_alive,
)
from web_support import walk_to_the_console as walk

CHROMIUM = chromium_path()

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium here (as root: apt-get install -y chromium; "
        "or point KUBELAB_CHROMIUM at one)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    assert CHROMIUM is not None
    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright, CHROMIUM)
        yield chromium
        chromium.close()


def test_the_lab_in_a_browser(browser: Any, served: ServedLab, tmp_path: Path) -> None:
    tab = BrowserTab(browser, served, height=1400)  # tall: the hint shows below the step text
    tab.open()
    screen = tab.wait_for("01 Why Services?")  # the lesson list
    assert "Lab cluster" in screen
    walk(tab)  # keys open lesson 2; its console runs `kubectl get pods`
    screen = tab.text()
    # a row of kubectl's answer (not the console's placeholder): the lesson runs two my-nginx pods
    assert re.search(r"my-nginx-[a-z0-9]+-[a-z0-9]+ +1/1 +Running", screen), screen
    shot = tmp_path / "lab.png"
    tab.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # an escape and the next key read together would be alt+key: wait for each to land
    tab.press("Control+BracketRight")  # ctrl+]: leave the console (escape is the shell's)
    tab.wait_for("h Hint")  # the lesson's keys are back in the footer
    tab.press("?")  # the help
    tab.wait_for("keys a browser keeps")
    assert "alt+backspace" in tab.text()
    tab.press("Escape")
    tab.wait_for("h Hint")
    tab.press("h")  # a hint
    tab.wait_for("Hint 1/3")
    tab.press("c")  # the check: no Service yet
    tab.wait_for("✘")
    tab.press("m")  # the live map of the namespace
    tab.wait_for(f"namespace {LESSON_2_NAMESPACE}")

    # nothing the page loaded came from anywhere but this server
    assert tab.requests
    assert all(url.startswith(served.base + "/") for url in tab.requests), tab.requests
    assert not tab.console_errors, tab.console_errors

    (pid,) = served.tab_pids()
    tab.close()  # closing the tab ends its app
    assert _wait_gone(pid), f"the app of the closed tab still runs:\n{served.log()}"


def _wait_gone(pid: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_the_browser_is_refused_without_the_token(browser: Any, served: ServedLab) -> None:
    page = browser.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        for url in (served.base + "/", served.base + "/?token=not-the-token"):
            response = page.goto(url)
            assert response is not None and response.status == 403
            assert "403" in page.content()
        assert not sockets
        assert not served.tab_pids()
    finally:
        page.close()


def test_two_tabs_are_two_labs_on_one_cluster(browser: Any, served: ServedLab) -> None:
    first, second = BrowserTab(browser, served), BrowserTab(browser, served)
    first.open()
    first.wait_for("✔ ready")
    second.open()  # the cookie set for the first tab lets the second in
    second.wait_for("✔ ready")
    pids = served.tab_pids()
    assert len(set(pids)) == 2 and all(pid_alive(pid) for pid in pids)
    # one lab cluster: a single simulator serves this state dir, whichever app started it
    state = str(served.home / "state")
    simulators = [argv for argv in _cmdlines() if "serve" in argv and any(state in a for a in argv)]
    assert len(simulators) == 1, simulators
    started = served.started_pids()
    assert served.stop() == 0  # Ctrl-C ends the server and both labs (and the spare)
    assert not any(pid_alive(pid) for pid in started)


def _cmdlines() -> list[list[str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue  # the process ended meanwhile
            found.append([part.decode(errors="replace") for part in raw.split(b"\0") if part])
    return found
