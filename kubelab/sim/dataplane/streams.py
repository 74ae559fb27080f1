"""`pods/{name}/exec` and `pods/{name}/attach` over WebSocket (`v5.channel.k8s.io`, `v4`).

Binary frames whose first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 the status
(JSON), 4 terminal resize; v5 adds `[255, channel]` (that stream is closed: the client sends
`\\xff\\x00` when its stdin ends). The status is `{"status":"Success"}` or a Failure with
reason `NonZeroExitCode` and the code in `details.causes`, which makes kubectl print
`command terminated with exit code N` and exit with N. aiohttp answers the client's pings.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any

from aiohttp import WSMsgType, web

from kubelab.sim import errors
from kubelab.sim.dataplane import exec_workers, lifecycle, pods, runner, servers, sessions
from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.pipes import BrokenPipe, CallbackWriter, Writer
from kubelab.sim.dataplane.runtime import runtime_for

log = logging.getLogger("kubelab.sim.dataplane")
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
Obj = Mapping[str, Any]


def _true(query: Mapping[str, str], key: str) -> bool:
    return str(query.get(key, "")).lower() in ("1", "true")


def success_status() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_status(code: int) -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: error executing command "
        f"[], exit code {code}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]},
    }


def failure_status(message: str, code: int = 500, reason: str = "InternalError") -> dict[str, Any]:
    return {
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"causes": [{"message": message}]},
        "code": code,
    }


def not_found_in_path(argv0: str) -> str:
    """The container runtime's answer to exec of a program the image does not have."""
    exec_id = secrets.token_hex(32)
    return (
        "Internal error occurred: error executing command in container: failed to exec in "
        f'container: failed to start exec "{exec_id}": OCI runtime exec failed: exec failed: '
        f'unable to start container process: exec: "{argv0}": executable file not found in '
        "$PATH: unknown"
    )


FRAME = 1 << 15  # characters per output frame: a big write goes out (and waits) in pieces


class Channels:
    """The channel-multiplexed WebSocket of one exec/attach session."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request | None = None) -> None:
        self.ws = ws
        self.request = request
        self.v5 = ws.ws_protocol == "v5.channel.k8s.io"

    async def send(self, channel: int, text: str) -> None:
        """Write to the client; once it is gone, writers get `BrokenPipe` (SIGPIPE/SIGHUP).
        Each frame waits for the client to take the previous ones (aiohttp drains its writer),
        so a program writing without end goes at the client's pace, in bounded memory."""
        for start in range(0, len(text), FRAME):
            if self.ws.closed or self.gone():
                raise BrokenPipe
            try:
                await self.ws.send_bytes(
                    bytes([channel])
                    + text[start : start + FRAME].encode("utf-8", "surrogateescape")
                )
            except ConnectionResetError as exc:
                raise BrokenPipe from exc

    def gone(self) -> bool:
        """The client's connection is closed (seen without reading from it)."""
        if self.request is None:
            return False
        transport = self.request.transport
        return transport is None or transport.is_closing()

    async def probe(self) -> None:
        """A ping: writing to a connection whose client has died makes the kernel report it."""
        # a connection already closing raises here: `gone()` says so from now on
        with contextlib.suppress(ConnectionResetError, RuntimeError):
            await self.ws.ping()

    def writer(self, channel: int) -> Writer:
        async def send(text: str) -> None:
            await self.send(channel, text)

        return CallbackWriter(send)

    async def finish(self, status: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_bytes(bytes([ERROR]) + json.dumps(status).encode())
        except ConnectionResetError:
            return  # the client left first: there is nobody to tell the status to
        await self.ws.close()


async def _open(request: web.Request) -> Channels:
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True, max_msg_size=0)
    await ws.prepare(request)
    return Channels(ws, request)


async def _pump_input(ch: Channels) -> None:
    """Read the client's frames until it goes away (a session without input)."""
    async for msg in ch.ws:
        if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            break


async def _relay_input(ch: Channels, into: exec_workers.Input) -> None:
    """Client frames -> the session's worker (stdin, or the terminal's keystrokes); returns when
    the client goes away. Each frame waits for the worker to take the last one: back-pressure
    down to the client's TCP connection, with the client's liveness probed meanwhile."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    async for msg in ch.ws:
        if msg.type not in (WSMsgType.BINARY, WSMsgType.TEXT) or not msg.data:
            if msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
            continue
        # wsstream reads every data frame alike (websocket.Message.Receive into []byte): the
        # Python client sends str stdin as TEXT frames ("\x00" + text), bytes as BINARY
        data: bytes = msg.data.encode() if msg.type == WSMsgType.TEXT else msg.data
        channel = data[0]
        if channel == STDIN:
            if not await into.text(decoder.decode(data[1:])):
                return
        elif channel == CLOSE and len(data) > 1 and data[1] == STDIN and not await into.eof():
            return


async def _run_with_client(
    ch: Channels, work: asyncio.Future[int] | asyncio.Task[int]
) -> int | None:
    """Run `work` while the client stays; None if the client went away first."""
    pump = asyncio.ensure_future(_pump_input(ch))
    try:
        waiting: list[asyncio.Future[Any]] = [work, pump]
        done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if work in done:
            return work.result()
        return None
    finally:
        for task in (work, pump):
            if not task.done():
                task.cancel()
        await asyncio.gather(work, pump, return_exceptions=True)


def _pick_container(pod: Obj, name: str | None) -> Obj:
    c = pods.container(pod, name)
    if c is None:
        raise errors.bad_request(f"container {name} is not valid for pod {pods.name(pod)}")
    return c


async def _run_argv(
    ch: Channels,
    ctx: ContainerContext,
    argv: list[str],
    query: Mapping[str, str],
    program_env: dict[str, str],
    main: bool = False,
) -> dict[str, Any] | int | None:
    """Run argv in the container attached to the session, in a worker process: its exit code,
    a Failure status (the program cannot start), or None when the client went away first."""

    async def relay(into: exec_workers.Input) -> None:
        await _relay_input(ch, into)

    outcome = await exec_workers.run_session(
        ch.send,
        relay,
        ch.gone,
        ch.probe,
        ctx,
        argv,
        program_env,
        tty=_true(query, "tty"),
        stdin=_true(query, "stdin"),
        main=main,
    )
    if outcome is None or outcome.get("gone"):
        return None
    if "not_found" in outcome:
        return failure_status(not_found_in_path(str(outcome["not_found"])))
    return int(outcome.get("code", 1))


def _status_of(outcome: dict[str, Any] | int | None) -> dict[str, Any]:
    if isinstance(outcome, dict):
        return outcome
    if not outcome:
        return success_status()
    return exit_status(outcome)


async def handle_exec(request: web.Request, store: Any, pod: Obj) -> web.StreamResponse:
    query = request.query
    argv = list(query.getall("command", []))
    c = _pick_container(pod, query.get("container"))
    if not argv:
        raise errors.bad_request("you must specify at least one command for the container")
    runner.ensure_runner(store)
    ch = await _open(request)
    try:
        if not pods.is_running(pod, str(c.get("name", ""))):
            await ch.finish(
                failure_status(
                    f'unable to upgrade connection: container not found ("{c.get("name", "")}")',
                    code=404,
                    reason="NotFound",
                )
            )
            return ch.ws
        ctx = sessions.container_context(store, pod, c)
        outcome = await _run_argv(ch, ctx, argv, query, dict(ctx.env))
        await ch.finish(_status_of(outcome))
    finally:
        if not ch.ws.closed:
            await ch.ws.close()
    return ch.ws


async def handle_attach(request: web.Request, store: Any, pod: Obj) -> web.StreamResponse:
    """Attach to the container's main process: an interactive shell gets the terminal; a
    one-shot command runs now; a server streams its log lines as they come."""
    query = request.query
    c = _pick_container(pod, query.get("container"))
    runner.ensure_runner(store)
    ch = await _open(request)
    try:
        if not pods.is_running(pod, str(c.get("name", ""))):
            await ch.finish(
                failure_status(
                    f'unable to upgrade connection: container not found ("{c.get("name", "")}")',
                    code=404,
                    reason="NotFound",
                )
            )
            return ch.ws
        ctx = sessions.container_context(store, pod, c)
        argv = servers.main_argv(c)
        image = pods.image_of(c)
        if servers.server_kind(image, argv) is not None or not argv:
            await _follow_logs(ch, store, pod, str(c.get("name", "")))
            return ch.ws
        runtime = runtime_for(store)
        collected: list[str] = []
        original_send = ch.send

        async def send_and_log(channel: int, text: str) -> None:
            collected.append(text)
            await original_send(channel, text)

        ch.send = send_and_log  # type: ignore[method-assign]
        outcome = await _run_argv(ch, ctx, argv, query, dict(ctx.env), main=True)
        name = str(c.get("name", ""))
        for line in "".join(collected).replace("\r\n", "\n").splitlines():
            runtime.log(pods.uid(pod), name, line)
        await ch.finish(success_status())
        if outcome is not None:
            # 128: the runtime could not start the command at all (StartError)
            code = 128 if isinstance(outcome, dict) else outcome
            lifecycle.main_process_exited(store, pod, name, code)
    finally:
        if not ch.ws.closed:
            await ch.ws.close()
    return ch.ws


async def _follow_logs(ch: Channels, store: Any, pod: Obj, container: str) -> None:
    runtime = runtime_for(store)
    uid = pods.uid(pod)
    seen = runtime.log_total(uid, container)

    async def follow() -> int:
        nonlocal seen
        while True:
            total = runtime.log_total(uid, container)
            if total > seen:
                lines = runtime.lines_after(uid, container, seen)
                await ch.send(STDOUT, "".join(text + "\n" for _, text in lines))
                seen = total
            await asyncio.sleep(0.2)

    try:
        await _run_with_client(ch, asyncio.ensure_future(follow()))
    except BrokenPipe:
        return  # the client detached
