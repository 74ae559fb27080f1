"""`kubelab web` driven from outside, shared by the tests, bench/web_first_frame.py and
scripts/web_screenshot.py.

- `ServedLab`: the real `kubelab web --cluster sim --port 0 --no-browser` in a fresh state dir;
  the URL (with its token) is read from its stdout.
- `BrowserTab`: a page of a headless Chromium (Debian's `chromium`, driven by playwright through
  `executable_path`: no browser download). xterm.js draws on a canvas, so the tab reads what the
  app sent over the websocket and feeds it to a terminal emulator (pyte) of the size the page
  asked for: `text()` is the screen the learner sees.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import pyte

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_NAMES = ("chromium", "chromium-browser")
SESSION_STARTED = re.compile(r"session (\d+): started \(pid (\d+)\)")
SESSION_OPENED = re.compile(r"session (\d+): opened by a tab \(pid (\d+)\)")
LESSON_2_NAMESPACE = "kubelab-clusterip-service"
"""Where lesson 2 runs on the simulator (lab namespace `default`): `kubelab-<lesson id>`."""


def chromium_path() -> str | None:
    """Debian's chromium (or $KUBELAB_CHROMIUM), None when there is none."""
    explicit = os.environ.get("KUBELAB_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def kubelab_argv() -> list[str]:
    script = Path(sys.executable).parent / "kubelab"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kubelab"]


def lab_environment(home: Path) -> dict[str, str]:
    """A fresh state dir and home (kubectl's cache lives there), and no remapped keys."""
    env = dict(os.environ)
    env["KUBELAB_STATE_DIR"] = str(home / "state")
    env["HOME"] = str(home)
    env["KUBECACHEDIR"] = str(home / "kubectl-cache")
    env.pop("KUBELAB_KEYS", None)
    env.pop("KUBELAB_CLUSTER", None)
    return env


class ServedLab:
    """A running `kubelab web` on 127.0.0.1 and a free port."""

    def __init__(self, home: Path, *extra: str, timeout: float = 30.0) -> None:
        self.home = home
        self.env = lab_environment(home)
        self.stderr_path = home / "kubelab-web.log"
        self.started = time.perf_counter()
        self._stderr: IO[bytes] = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            [*kubelab_argv(), "web", "--cluster", "sim", "--port", "0", "--no-browser", *extra],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self.env,
            cwd=home,
        )
        self.url = self._read_url(timeout)
        parts = urlsplit(self.url)
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.port = int(parts.port or 0)
        self.token = parse_qs(parts.query)["token"][0]

    def _read_url(self, timeout: float) -> str:
        assert self.process.stdout is not None
        lines: queue.Queue[bytes] = queue.Queue()
        reader = threading.Thread(
            target=lambda: lines.put(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        try:
            line = lines.get(timeout=timeout).decode().strip()
        except queue.Empty:
            self.stop()
            raise AssertionError(f"no URL within {timeout}s:\n{self.log()}") from None
        if not line.startswith("http"):
            self.stop()
            raise AssertionError(f"expected the URL on stdout, got {line!r}:\n{self.log()}")
        return line

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def started_pids(self) -> list[int]:
        """Every app process the server started (the spare ahead of the tabs too)."""
        return [int(pid) for _, pid in SESSION_STARTED.findall(self.log())]

    def tab_pids(self) -> list[int]:
        """The app process of each tab opened so far, in order."""
        return [int(pid) for _, pid in SESSION_OPENED.findall(self.log())]

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int:
        """Signal the server (Ctrl-C by default) and wait for it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
                raise AssertionError(f"kubelab web did not stop:\n{self.log()}") from None
        if self.process.stdout is not None:
            self.process.stdout.close()
        if not self._stderr.closed:
            self._stderr.close()
        return self.process.returncode

    def stop_simulator(self) -> None:
        """The simulator the sessions provisioned outlives them (it is the lab cluster)."""
        self.stop_simulator_in(self.home)

    @staticmethod
    def stop_simulator_in(home: Path) -> None:
        subprocess.run(
            [*kubelab_argv(), "down", "--cluster", "sim"],
            env=lab_environment(home),
            capture_output=True,
            timeout=60,
            check=False,
        )


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[-1].split()[0] == "Z")


def wait_until(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.1)


class BrowserTab:
    """One Chromium page on the served lab, with the screen the app drew."""

    def __init__(self, browser: Any, lab: ServedLab, *, width: int = 1280, height: int = 800):
        self.lab = lab
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.received: list[bytes] = []
        self.sent: list[str] = []
        self.size: tuple[int, int] | None = None
        self.console_errors: list[str] = []
        self.requests: list[str] = []
        self.first_frame_at: float | None = None
        self.page.on("websocket", self._on_websocket)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda m: self.console_errors.append(m.text) if m.type == "error" else None,
        )
        self._screen: pyte.Screen | None = None
        self._stream: pyte.ByteStream | None = None
        self._fed = 0

    def _on_websocket(self, ws: Any) -> None:
        query = parse_qs(urlsplit(ws.url).query)
        self.size = (int(query["width"][0]), int(query["height"][0]))
        ws.on("framereceived", self._on_frame)
        ws.on("framesent", self._on_sent)

    def _on_frame(self, payload: bytes | str) -> None:
        if isinstance(payload, bytes):
            if self.first_frame_at is None:
                self.first_frame_at = time.perf_counter()
            self.received.append(payload)

    def _on_sent(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            self.sent.append(payload)
            message = json.loads(payload)
            if message[0] == "resize":
                self.size = (message[1]["width"], message[1]["height"])

    def open(self, url: str | None = None, timeout: float = 60.0) -> None:
        self.page.goto(url or self.lab.url)
        self.page.wait_for_selector("body.-first-byte", timeout=timeout * 1000)
        self.page.focus(".xterm-helper-textarea")

    def text(self) -> str:
        """The screen now (the app's output so far, through a terminal emulator)."""
        assert self.size is not None, "no websocket yet"
        if self._screen is None or (self._screen.columns, self._screen.lines) != self.size:
            self._screen = pyte.Screen(*self.size)
            self._stream = pyte.ByteStream(self._screen)
            self._fed = 0
        assert self._stream is not None
        for chunk in self.received[self._fed :]:
            self._stream.feed(chunk)
        self._fed = len(self.received)
        return "\n".join(self._screen.display)

    def wait_for(self, wanted: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            self.page.wait_for_timeout(100)  # lets playwright deliver the websocket frames
            screen = self.text()
            if wanted in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{wanted!r} not on the page after {timeout}s:\n{screen}\n"
                    f"--- kubelab web's log:\n{self.lab.log()}"
                )

    def press(self, *keys: str, pause: float = 0.4) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.page.wait_for_timeout(pause * 1000)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)

    def screenshot(self, path: Path) -> None:
        self.page.screenshot(path=str(path))

    def close(self) -> None:
        self.page.close()


def launch_chromium(playwright: Any, executable: str) -> Any:
    # Chromium refuses to run its sandbox as root (CI containers run as root)
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    return playwright.chromium.launch(executable_path=executable, headless=True, args=args)


def walk_to_the_console(tab: BrowserTab) -> None:
    """The learner's path the test and the README's screenshot share: the lesson list, lesson 2
    opened with the keys, `kubectl get pods` typed into its console and answered."""
    tab.wait_for("02 A ClusterIP Service")
    tab.wait_for("✔ ready")
    tab.press("ArrowDown", "Enter")
    tab.wait_for("Step 1/2: Create the Service")
    # the lesson started (its setup applied): the console's title names the lesson's namespace
    tab.wait_for(f"ns/{LESSON_2_NAMESPACE}")
    tab.press("i")
    # the console has the keys (until then, typed letters would be the lesson's keys)
    tab.wait_for("ctrl+]: back to the lesson")
    # the setup's two my-nginx pods may still be starting: wait for them as a learner would
    tab.type("kubectl wait --for=condition=Ready pod -l run=my-nginx --timeout=60s >/dev/null")
    tab.type(" && kubectl get pods")
    tab.press("Enter")
    tab.wait_for("RESTARTS")  # kubectl's table
