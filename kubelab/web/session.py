"""One browser tab's app: a `python -m kubelab` process driven by textual's web driver.

The protocol is the driver's (textual/drivers/web_driver.py): the process writes
`__GANGLION__\\n`, then packets of one type byte (`D` terminal output, `M` JSON meta, `P` packed
data), a 4-byte big-endian length and the payload; it reads the same framing on stdin (`D` keys,
`M` resize/focus/blur/quit). Each process leads its own process group, so Ctrl-C in the server's
terminal reaches the server alone and the server ends every session itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence

log = logging.getLogger("kubelab.web")

PRELUDE = b"__GANGLION__\n"
MAX_PRELUDE_LINES = 50
QUIT_GRACE = 5.0
TERM_GRACE = 2.0
MAX_KEPT = 4 << 20
# The driver's own set-up sequences (alternate screen, mouse, paste modes) are under 100 bytes;
# any screen the app draws is more than this.
FIRST_SCREEN = 1024

SendBytes = Callable[[bytes], Awaitable[None]]
SendText = Callable[[str], Awaitable[None]]


def packet(kind: bytes, payload: bytes) -> bytes:
    return kind + len(payload).to_bytes(4, "big") + payload


class AppSession:
    """Start, feed, and end one app process. Its output is kept until a tab is attached (a spare
    started before any tab asks), then goes to the tab's websocket."""

    def __init__(self, argv: Sequence[str], environment: Mapping[str, str], *, name: str) -> None:
        self.argv = list(argv)
        self.environment = dict(environment)
        self.name = name
        self._sinks: tuple[SendBytes, SendText] | None = None
        self._kept: list[bytes | str] = []
        self._kept_size = 0
        self._attach_lock = asyncio.Lock()
        self.drawn = asyncio.Event()
        """Set once the app has drawn a screen: it has taken its first size then, so a resize
        sent now is not overtaken by the driver's initial one (which the driver posts from its
        own thread, in no fixed order with the input it reads)."""
        self._output_size = 0
        self.overflowed = False
        """Kept more output than MAX_KEPT before a tab came: no use as a spare."""
        self.process: asyncio.subprocess.Process | None = None
        self.left = asyncio.Event()
        """Set when the app says it is leaving (or its output ends): time to close the tab."""
        self._browser_gone = False
        self._reader: asyncio.Task[None] | None = None
        self._stopping: asyncio.Task[None] | None = None
        self._stderr: list[str] = []

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.environment,
            start_new_session=True,
        )
        log.info("%s: started (pid %d)", self.name, self.process.pid)
        self._reader = asyncio.create_task(self._read(), name=f"{self.name} output")

    async def wait_drawn(self, timeout: float) -> bool:
        """True once the app has drawn; False when it left first or took longer than timeout."""
        drawn = asyncio.create_task(self.drawn.wait())
        left = asyncio.create_task(self.left.wait())
        _, pending = await asyncio.wait(
            {drawn, left}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        return self.drawn.is_set() and not self.left.is_set()

    async def attach(self, send_bytes: SendBytes, send_text: SendText) -> None:
        """From now on the output goes to this tab, starting with what was kept for it."""
        async with self._attach_lock:
            self._sinks = (send_bytes, send_text)
            kept, self._kept = self._kept, []
            for data in kept:
                await self._send(data)

    # -- to the app -----------------------------------------------------------------------------

    async def _write(self, data: bytes) -> None:
        process = self.process
        if process is None or process.stdin is None or process.returncode is not None:
            return
        try:
            process.stdin.write(data)
            await process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as exc:
            log.info("%s: input closed (%s)", self.name, exc)

    async def keys(self, text: str) -> None:
        await self._write(packet(b"D", text.encode("utf-8")))

    async def meta(self, message: Mapping[str, object]) -> None:
        await self._write(packet(b"M", json.dumps(message).encode("utf-8")))

    async def resize(self, width: int, height: int) -> None:
        await self.meta({"type": "resize", "width": width, "height": height})

    # -- from the app ---------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        assert self.process.stderr is not None
        stderr_task = asyncio.create_task(self._read_stderr(self.process.stderr))
        try:
            if await self._wait_for_prelude(self.process.stdout):
                await self._read_packets(self.process.stdout)
        finally:
            await stderr_task
            self.left.set()
        if self._stderr:
            text = "".join(self._stderr)
            log.warning("%s: the app wrote on stderr:\n%s", self.name, text.rstrip())

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self._stderr.append(line.decode("utf-8", "replace"))

    async def _wait_for_prelude(self, stdout: asyncio.StreamReader) -> bool:
        """Skip what the process prints before the driver starts; False when it never does
        (then what it printed, e.g. a usage error, is shown in the browser)."""
        early: list[bytes] = []
        for _ in range(MAX_PRELUDE_LINES):
            line = await stdout.readline()
            if not line:
                break
            if line == PRELUDE:
                return True
            early.append(line)
        await self._show_failure(early)
        return False

    async def _show_failure(self, early: list[bytes]) -> None:
        if self.process is not None:
            await self.process.wait()
        text = b"".join(early).decode("utf-8", "replace") + "".join(self._stderr)
        code = None if self.process is None else self.process.returncode
        log.error("%s: the app did not start (exit code %s)", self.name, code)
        message = text.strip() or f"the lab exited with code {code} before it started"
        await self._forward(message.replace("\n", "\r\n").encode("utf-8") + b"\r\n")

    async def _read_packets(self, stdout: asyncio.StreamReader) -> None:
        """Forward packets until the output ends (read to the end even after the app says it is
        leaving: a process blocked on a full pipe would never exit)."""
        with contextlib.suppress(asyncio.IncompleteReadError):
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                payload = await stdout.readexactly(size)
                if kind == b"D":
                    self._output_size += len(payload)
                    if self._output_size >= FIRST_SCREEN:
                        self.drawn.set()
                    await self._forward(payload)
                elif kind == b"M":
                    await self._on_meta(payload)
                else:
                    # `P` carries file deliveries, which the lab never makes
                    log.warning("%s: ignored a %r packet", self.name, kind)

    async def _on_meta(self, payload: bytes) -> None:
        message = json.loads(payload)
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "exit":
            self.left.set()
        elif kind == "open_url":
            url = {"url": message.get("url"), "new_tab": message.get("new_tab")}
            await self._forward(json.dumps(["open_url", url]))
        else:
            log.warning("%s: ignored meta %r", self.name, kind)

    async def _forward(self, data: bytes | str) -> None:
        """To the tab; kept while there is none yet."""
        async with self._attach_lock:
            if self._sinks is not None:
                await self._send(data)
                return
            self._kept_size += len(data)
            if self._kept_size > MAX_KEPT:
                if not self.overflowed:
                    log.info("%s: no tab came; its output is no longer kept", self.name)
                self.overflowed = True
                self._kept.clear()
            else:
                self._kept.append(data)

    async def _send(self, data: bytes | str) -> None:
        """To the browser, while it is there (a closed tab's late output is dropped, said once)."""
        if self._browser_gone or self._sinks is None:
            return
        send_bytes, send_text = self._sinks
        try:
            if isinstance(data, bytes):
                await send_bytes(data)
            else:
                await send_text(data)
        except ConnectionResetError as exc:
            self._browser_gone = True
            log.info("%s: the browser has gone (%s); its output is dropped", self.name, exc)

    # -- the end --------------------------------------------------------------------------------

    async def stop(self) -> None:
        """Ask the app to quit; terminate its process group if it has not within the grace.
        Closing the tab and shutting the server down may both ask: the second waits for the
        first."""
        if self._stopping is None:
            self._stopping = asyncio.create_task(self._stop(), name=f"{self.name} stop")
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            await self.meta({"type": "quit"})
            if not await self._exited_within(QUIT_GRACE):
                log.warning("%s: did not quit; terminating it", self.name)
                self._signal_group(signal.SIGTERM)
                if not await self._exited_within(TERM_GRACE):
                    self._signal_group(signal.SIGKILL)
                    await process.wait()
        if process.stdin is not None:
            process.stdin.close()
        if self._reader is not None:
            await self._reader
        log.info("%s: ended (exit code %s)", self.name, process.returncode)

    async def _exited_within(self, seconds: float) -> bool:
        assert self.process is not None
        try:
            await asyncio.wait_for(self.process.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)
