"""Running exec/attach sessions in worker processes (the simulator's side).

Each session's program runs in a process of its own (`session_worker`), started from a fork
server that has the data plane imported, and taken from a small pool of spares so a session
does not wait for a start. The simulator relays the client's input to the worker and the
worker's output to the client, each at the pace of the other end (neither side buffers more
than a socket's worth), answers the worker's calls for the container's files and the network,
and kills the worker the moment the client goes away. A worker past its CPU-time budget is
ended by the kernel (SIGXCPU): the session ends with exit code 152 (128 + 24), as a shell
reports it, and a line saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kubelab.sim.dataplane import budgets, frames, session_worker
from kubelab.sim.dataplane.container import ContainerContext
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest
from kubelab.sim.dataplane.pipes import BrokenPipe
from kubelab.sim.dataplane.vfs import FsError

log = logging.getLogger("kubelab.sim.dataplane")

SPARES = 2  # workers started ahead of the sessions that will take them (about 20 MB each)
PROBE = 1.0  # seconds between checks that a client whose input waits is still there
FILE_CALLS = frozenset(
    {"is_dir", "is_file", "exists", "size", "read", "write", "mkdir", "remove", "remove_tree"}
    | {"listdir"}
)
NETWORK_CALLS = frozenset({"query", "getaddrinfo", "reverse", "pingable", "connect", "request"})

Send = Callable[[int, str], Awaitable[None]]


@dataclass
class Worker:
    process: Any  # multiprocessing's Process of the fork-server context
    io: socket.socket
    rpc: socket.socket

    def kill(self) -> None:
        """End the process. Its sockets are closed by the asyncio transports that own them
        (closing one under its transport would free a descriptor the event loop still
        watches, and the next connection would get that number)."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            self.process.kill()

    def reap(self) -> int | None:
        """Wait (briefly) for the process to end; its exit code (negative: the signal)."""
        self.process.join(timeout=5)
        code: int | None = self.process.exitcode
        return code


_CONTEXT: Any = None


def _context() -> Any:
    global _CONTEXT
    if _CONTEXT is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["kubelab.sim.dataplane.session_worker"])
        _CONTEXT = context
    return _CONTEXT


def start_worker() -> Worker:
    """A new worker process waiting for its session (blocking: run it in an executor)."""
    io_parent, io_child = socket.socketpair()
    rpc_parent, rpc_child = socket.socketpair()
    process = _context().Process(
        target=session_worker.main, args=(io_child, rpc_child), daemon=True
    )
    process.start()
    io_child.close()
    rpc_child.close()
    return Worker(process, io_parent, rpc_parent)


class WorkerPool:
    """Spare workers, so a session starts without waiting for a process."""

    def __init__(self) -> None:
        self.spares: list[asyncio.Future[Worker]] = []

    def refill(self) -> None:
        loop = asyncio.get_running_loop()
        while len(self.spares) < SPARES:
            self.spares.append(loop.run_in_executor(None, start_worker))

    async def take(self) -> Worker:
        if self.spares:
            future = self.spares.pop(0)
        else:
            future = asyncio.get_running_loop().run_in_executor(None, start_worker)
        self.refill()
        return await future


_POOLS: dict[asyncio.AbstractEventLoop, WorkerPool] = {}


def pool() -> WorkerPool:
    loop = asyncio.get_running_loop()
    found = _POOLS.get(loop)
    if found is None:
        for old in [lp for lp in _POOLS if lp.is_closed()]:
            del _POOLS[old]
        found = _POOLS[loop] = WorkerPool()
    return found


def warm() -> None:
    """Start the spares now (the fork server's start takes a moment), without waiting."""
    pool().refill()


# -- the worker's calls ------------------------------------------------------------------------
async def _answer(ctx: ContainerContext, call: dict[str, Any]) -> dict[str, Any]:
    target, method, args = call.get("target"), str(call.get("method")), call.get("args") or []
    try:
        if target == "files" and method in FILE_CALLS:
            return {"result": getattr(ctx.files, method)(*args)}
        if target == "network" and method in NETWORK_CALLS:
            return {"result": await _network(ctx, method, args)}
    except FsError as exc:
        return {"error": {"type": "FsError", "path": exc.path, "reason": exc.reason}}
    except ConnectError as exc:
        return {"error": {"type": "ConnectError", "kind": exc.kind}}
    except TypeError as exc:
        return {"error": {"type": "TypeError", "message": str(exc)}}
    return {"error": {"type": "Refused", "message": f"no call {target}.{method}"}}


async def _network(ctx: ContainerContext, method: str, args: list[Any]) -> Any:
    net = ctx.network
    if method == "query":
        answer = net.query(str(args[0]), str(args[1]))
        return {
            "rcode": answer.rcode,
            "records": [[r.name, r.type, r.value] for r in answer.records],
        }
    if method == "request":
        sent = args[2]
        request = HttpRequest(
            method=str(sent["method"]),
            path=str(sent["path"]),
            host=str(sent["host"]),
            headers={str(k): str(v) for k, v in sent["headers"].items()},
            body=str(sent["body"]),
            client_ip=str(sent["client_ip"]),
            client_port=int(sent["client_port"]),
        )
        got = await net.request(str(args[0]), int(args[1]), request)
        return {
            "status": got.status,
            "reason": got.reason,
            "headers": got.headers,
            "body": got.body,
        }
    if method == "connect":
        net.connect(str(args[0]), int(args[1]))
        return None
    return getattr(net, method)(str(args[0]))


async def _serve_calls(worker: Worker, ctx: ContainerContext) -> None:
    reader, writer = await asyncio.open_connection(sock=worker.rpc)
    try:
        while (call := await frames.read(reader)) is not None:
            writer.write(frames.encode(await _answer(ctx, call)))
            await writer.drain()
    except (frames.FrameError, ConnectionError, OSError):
        pass  # the worker ended or sent garbage: the session's relay reports how it ended
    finally:
        writer.close()


# -- the session -------------------------------------------------------------------------------
def _spec(ctx: ContainerContext, argv: list[str], env: dict[str, str], **flags: bool) -> Any:
    return {
        "t": "start",
        "argv": argv,
        "env": env,
        "cpu_seconds": budgets.CPU_SECONDS,
        "memory_bytes": budgets.MEMORY_BYTES,
        "container": {
            "namespace": ctx.namespace,
            "pod_name": ctx.pod_name,
            "container_name": ctx.container_name,
            "image": ctx.image.reference,
            "env": ctx.env,
            "pod_ip": ctx.pod_ip,
            "node_name": ctx.node_name,
            "hostname": ctx.hostname,
            "started_at": ctx.started_at,
        },
        **flags,
    }


async def _relay_output(reader: asyncio.StreamReader, send: Send) -> dict[str, Any] | None:
    """The worker's output to the client; its exit message (None: it ended without one; a
    write to a worker that has died fails, and that failure ends this reading as well)."""
    while (message := await _next_message(reader)) is not None:
        if message.get("t") == "out":
            await send(int(message.get("c", 1)), str(message.get("d", "")))
        elif message.get("t") == "exit":
            return message
    return None


async def _next_message(reader: asyncio.StreamReader) -> dict[str, Any] | None:
    try:
        return await frames.read(reader)
    except ConnectionError:
        return None  # the worker's end is closed: it ended


class Input:
    """The client's input, relayed to the worker."""

    def __init__(self, writer: asyncio.StreamWriter, gone: Callable[[], bool], probe: Any) -> None:
        self.writer = writer
        self.gone = gone
        self.probe = probe

    async def send(self, message: dict[str, Any]) -> bool:
        """False once the client is gone while the worker was not reading. The wait is
        `asyncio.wait`, never `wait_for`: Python 3.11's `wait_for` swallows a cancellation
        that arrives as the drain completes (CPython gh-86296), and the session, which cancels
        this relay once the worker has exited, would then wait for the client to leave."""
        self.writer.write(frames.encode(message))
        drained = asyncio.ensure_future(self.writer.drain())
        try:
            while not (await asyncio.wait([drained], timeout=PROBE))[0]:
                await self.probe()
                if self.gone():
                    return False
            drained.result()  # a worker that has ended refuses input: ConnectionError
            return True
        finally:
            drained.cancel()

    async def text(self, text: str) -> bool:
        return await self.send({"t": "in", "d": text})

    async def eof(self) -> bool:
        return await self.send({"t": "eof"})


def _worker_refused_input(client: asyncio.Future[Any]) -> bool:
    """Did relaying the client's input end because the worker's end was closed (the worker
    ended), rather than because the client went away?"""
    error = client.exception()
    if error is None:
        return False
    if isinstance(error, ConnectionError):
        return True
    raise error


def _died(code: int | None) -> tuple[int, str]:
    if code == -signal.SIGXCPU:
        return 152, f"CPU time limit exceeded (a session may use {budgets.CPU_SECONDS:g} s)\n"
    return 137, "Killed (the session's worker ended)\n"


async def run_session(
    send: Send,
    pump: Callable[[Input], Awaitable[None]],
    gone: Callable[[], bool],
    probe: Callable[[], Awaitable[None]],
    ctx: ContainerContext,
    argv: list[str],
    env: dict[str, str],
    *,
    tty: bool,
    stdin: bool,
    main: bool,
) -> dict[str, Any] | None:
    """Run `argv` in a worker attached to a client: `send` writes to it, `pump` relays its
    input (and returns when it goes away). The worker's exit message ({"code": N},
    {"not_found": argv0}), or None when the client went away first."""
    worker = await pool().take()
    calls = asyncio.ensure_future(_serve_calls(worker, ctx))
    tasks: list[asyncio.Future[Any]] = [calls]
    writer: asyncio.StreamWriter | None = None
    try:
        reader, writer = await asyncio.open_connection(sock=worker.io)
        writer.write(frames.encode(_spec(ctx, argv, env, tty=tty, stdin=stdin, main=main)))
        await writer.drain()
        relay = asyncio.ensure_future(_relay_output(reader, send))
        client = asyncio.ensure_future(pump(Input(writer, gone, probe)))
        tasks += [relay, client]
        done, _ = await asyncio.wait([relay, client], return_when=asyncio.FIRST_COMPLETED)
        if relay not in done:
            if not _worker_refused_input(client):
                return None  # the client went away: the worker is killed below
            await asyncio.wait([relay])  # the worker ended: how, its relay says
        try:
            outcome = relay.result()
        except BrokenPipe:
            return None
        if outcome is None:
            loop = asyncio.get_running_loop()
            code, why = _died(await loop.run_in_executor(None, worker.reap))
            with contextlib.suppress(BrokenPipe):
                await send(1 if tty else 2, why)
            return {"code": code}
        return outcome
    except (frames.FrameError, ConnectionError, OSError) as exc:
        log.error("session worker for %s/%s: %s", ctx.pod_name, ctx.container_name, exc)
        return {"code": 1}
    finally:
        worker.kill()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if writer is not None:
            writer.close()
        else:
            worker.io.close()  # never handed to a transport
        asyncio.get_running_loop().run_in_executor(None, worker.reap)
