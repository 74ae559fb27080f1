"""The aiohttp server of `kubelab web`: the page, its assets, and one websocket per tab.

Routes (every one behind the token, see `access.py`):
  /          the page (kubelab/web/page/index.html): xterm.js in textual-serve's browser client
  /static/   textual-serve's own assets (its client bundle, xterm.css, the Roboto Mono fonts)
  /page/     the page's stylesheet (local @font-face) and script
  /ws        the websocket: starts one app process for the tab, ends it when the tab goes
Nothing on the page comes from another machine; the Content-Security-Policy says so to the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import importlib.util
import json
import logging
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template

from aiohttp import WSMsgType, web

from kubelab.browser_session import session_environment
from kubelab.web.access import token_guard
from kubelab.web.session import AppSession

log = logging.getLogger("kubelab.web")

PAGE_DIR = Path(__file__).parent / "page"
MAX_MESSAGE = 1 << 20
MAX_CELLS = 1000
SPARE_WAIT = 30.0
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class ServerClosing(Exception):
    """A tab came while the server shuts down."""


class ProtocolError(ValueError):
    """A websocket message that is not one the browser client sends."""


def textual_serve_static() -> Path:
    """textual-serve's asset folder, found without importing it."""
    spec = importlib.util.find_spec("textual_serve")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("textual-serve is not installed (pip install textual-serve)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


@dataclass
class WebConfig:
    app_argv: Sequence[str]
    """The command of one tab's app (`python -m kubelab --cluster ...`)."""
    token: str
    port: int
    tls: ssl.SSLContext | None = None
    title: str = "kubelab"
    base_environment: Mapping[str, str] = field(default_factory=dict)


class WebServer:
    """One aiohttp application; `sessions` are the tabs' app processes now running.

    One app is started ahead of any tab (the spare), so a tab's first frame does not wait for
    Python to start the app: a tab takes the spare, sized to the tab at once, and the next
    spare starts behind it."""

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.sessions: set[AppSession] = set()
        self._websockets: set[web.WebSocketResponse] = set()
        self._count = 0
        self._spare: AppSession | None = None
        self._spare_task: asyncio.Task[None] | None = None
        self._closing = False
        self._page = Template((PAGE_DIR / "index.html").read_text(encoding="utf-8"))

    def application(self) -> web.Application:
        guard = token_guard(
            self.config.token, port=self.config.port, secure=self.config.tls is not None
        )
        app = web.Application(middlewares=[guard])
        app.on_response_prepare.append(self._headers)
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/ws", self.websocket),
                web.static("/static", textual_serve_static(), follow_symlinks=False),
                web.static("/page", PAGE_DIR, follow_symlinks=False),
            ]
        )
        app.on_startup.append(self._first_spare)
        app.on_shutdown.append(self.end_every_session)
        return app

    async def _first_spare(self, app: web.Application) -> None:
        self._replenish()

    def _new_session(self, width: int, height: int) -> AppSession:
        self._count += 1
        environment = session_environment(self.config.base_environment, width, height)
        return AppSession(self.config.app_argv, environment, name=f"session {self._count}")

    def _replenish(self) -> None:
        """Start the next spare in the background (unless shutting down)."""
        starting = self._spare_task is not None and not self._spare_task.done()
        if self._closing or starting or self._spare is not None:
            return

        async def start() -> None:
            session = self._new_session(80, 24)
            try:
                await session.start()
            except OSError as exc:
                # the tab that comes next starts its own app and meets the error there
                log.error("%s: cannot start a spare app: %s", session.name, exc)
                return
            self._spare = session

        self._spare_task = asyncio.create_task(start(), name="spare app")

    async def _session_for_tab(self, width: int, height: int) -> AppSession:
        """The spare, once it has drawn (it has a head start on any app started now), resized
        to the tab; a new app at the tab's size when there is no usable spare. Either is in
        `sessions` from the moment it is taken, so a shutdown meanwhile ends it too."""
        if self._spare_task is not None:
            await self._spare_task  # it only spawns the process: quick
        spare, self._spare = self._spare, None
        if spare is not None:
            self.sessions.add(spare)
            if await spare.wait_drawn(SPARE_WAIT) and not spare.overflowed:
                await spare.resize(width, height)
                self._replenish()
                return spare
            log.info("%s: not usable as a spare any more; stopping it", spare.name)
            await spare.stop()
            self.sessions.discard(spare)
        if self._closing:
            raise ServerClosing("the server is shutting down")
        session = self._new_session(width, height)
        self.sessions.add(session)
        try:
            await session.start()
        except OSError:
            self.sessions.discard(session)
            raise
        self._replenish()
        return session

    async def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        asset = request.path.startswith(("/static/", "/page/")) and response.status == 200
        # the assets (half a megabyte of client) are kept by the tab's browser; nothing else is
        response.headers["Cache-Control"] = "private, max-age=3600" if asset else "no-store"

    async def index(self, request: web.Request) -> web.Response:
        try:
            font_size = min(max(int(request.query.get("fontsize", "16")), 6), 48)
        except ValueError:
            font_size = 16
        page = self._page.substitute(title=html.escape(self.config.title), font_size=font_size)
        return web.Response(text=page, content_type="text/html")

    # -- the websocket of one tab ---------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        width = _cells(request.query.get("width"), 80)
        height = _cells(request.query.get("height"), 24)
        ws = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE)
        await ws.prepare(request)
        self._websockets.add(ws)
        session: AppSession | None = None
        try:
            try:
                session = await self._session_for_tab(width, height)
            except (OSError, ServerClosing) as exc:
                log.error("cannot start the lab for a tab: %s", exc)
                await ws.send_bytes(f"kubelab web: cannot start the lab: {exc}\r\n".encode())
                return ws
            log.info("%s: opened by a tab (pid %s)", session.name, session.pid)
            await session.attach(ws.send_bytes, ws.send_str)
            closer = asyncio.create_task(self._close_when_left(session, ws))
            try:
                await self._from_browser(ws, session)
            finally:
                closer.cancel()
        finally:
            if session is not None:
                await session.stop()
                self.sessions.discard(session)
            self._websockets.discard(ws)
            await ws.close()
        return ws

    async def _close_when_left(self, session: AppSession, ws: web.WebSocketResponse) -> None:
        await session.left.wait()
        await ws.close()

    async def _from_browser(self, ws: web.WebSocketResponse, session: AppSession) -> None:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                await self._handle(message.data, ws, session)
            except ProtocolError as exc:
                log.warning("%s: closing the websocket: %s", session.name, exc)
                await ws.close(code=1003, message=str(exc)[:100].encode("utf-8"))
                return

    async def _handle(self, text: str, ws: web.WebSocketResponse, session: AppSession) -> None:
        """One message of textual-serve's client: ["stdin", str], ["resize", {width, height}],
        ["ping", str], ["focus"], ["blur"]."""
        try:
            envelope = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProtocolError(f"not JSON: {exc}") from exc
        if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
            raise ProtocolError("expected a list starting with the message type")
        kind, args = envelope[0], envelope[1:]
        if kind == "stdin" and len(args) == 1 and isinstance(args[0], str):
            await session.keys(args[0])
        elif kind == "resize" and len(args) == 1 and isinstance(args[0], dict):
            size = args[0]
            await session.resize(_cells(size.get("width"), 80), _cells(size.get("height"), 24))
        elif kind == "ping" and len(args) == 1 and isinstance(args[0], str):
            await ws.send_json(["pong", args[0][:64]])
        elif kind in ("focus", "blur") and not args:
            await session.meta({"type": kind})
        else:
            raise ProtocolError(f"unexpected message {kind!r} with {len(args)} argument(s)")

    # -- the end --------------------------------------------------------------------------------

    async def end_every_session(self, app: web.Application) -> None:
        """On shutdown (Ctrl-C): every app process quits (or is terminated), the spare too,
        every tab closes."""
        self._closing = True
        if self._spare_task is not None:
            await self._spare_task
        spare, self._spare = self._spare, None
        if self.sessions:
            log.info("ending %d session(s)", len(self.sessions))
        ending = [session.stop() for session in list(self.sessions)]
        if spare is not None:
            ending.append(spare.stop())
        await asyncio.gather(*ending)
        for ws in list(self._websockets):
            with contextlib.suppress(ConnectionResetError):
                await ws.close(code=1001, message=b"the server is shutting down")


def _cells(value: object, default: int) -> int:
    """A terminal dimension from the browser, within sane bounds."""
    try:
        number = int(str(value))
    except ValueError:
        return default
    return min(max(number, 1), MAX_CELLS)
