"""A session worker: the process that runs one `kubectl exec` / `attach` session's program.

Pod commands run here, not in the API server's event loop, so no command (a busy loop, a huge
computation, a huge allocation) can keep the API from answering: the worker has a CPU-time
budget (`RLIMIT_CPU`, the kernel ends it with SIGXCPU) and a memory budget (`RLIMIT_AS`, past
which an allocation fails), and the simulator kills it the moment the client goes away.

The worker sees its container through two sockets. On `io` it gets the session (the command,
the environment, who it is) and the client's input, and sends the program's output and its exit
status. On `rpc` it asks the simulator, blocking, for what lives there: the container's files
(`RemoteFiles`, shared by every session of the container) and the cluster network
(`RemoteNetwork`: DNS, connections, HTTP exchanges with the pods' servers).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import signal
import socket
import sys
from typing import Any

from kubelab.sim.dataplane import frames
from kubelab.sim.dataplane.container import ContainerContext, resolv_for
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.dataplane.netmodel import (
    ConnectError,
    DnsAnswer,
    DnsRecord,
    HttpRequest,
    HttpResponse,
)
from kubelab.sim.dataplane.pipes import BrokenPipe, CallbackWriter, Pipe, Writer
from kubelab.sim.dataplane.shell.jobs import end_jobs, session_jobs
from kubelab.sim.dataplane.shell.programs import SHELLS, find_program
from kubelab.sim.dataplane.shell.streams import IO
from kubelab.sim.dataplane.terminal import LineDiscipline, TerminalOutput, interactive_shell
from kubelab.sim.dataplane.vfs import FileSystem, FsError

STDOUT, STDERR = 1, 2


class RemoteError(Exception):
    """The simulator could not answer a call (it is going away)."""


class Remote:
    """Blocking calls into the simulator over the `rpc` socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def __call__(self, target: str, method: str, *args: Any) -> Any:
        try:
            answer = frames.call(self.sock, {"target": target, "method": method, "args": args})
        except (OSError, frames.FrameError) as exc:
            raise RemoteError(str(exc)) from None
        error = answer.get("error")
        if error is not None:
            if error.get("type") == "FsError":
                raise FsError(str(error.get("path")), str(error.get("reason")))
            if error.get("type") == "ConnectError":
                raise ConnectError(str(error.get("kind")))
            raise RemoteError(str(error.get("message")))
        return answer.get("result")


class RemoteFiles(FileSystem):
    """The container's files, which live in the simulator (every session shares them)."""

    def __init__(self, remote: Remote) -> None:
        super().__init__()
        self.remote = remote

    def is_dir(self, path: str) -> bool:
        return bool(self.remote("files", "is_dir", path))

    def is_file(self, path: str) -> bool:
        return bool(self.remote("files", "is_file", path))

    def exists(self, path: str) -> bool:
        return bool(self.remote("files", "exists", path))

    def size(self, path: str) -> int:
        return int(self.remote("files", "size", path))

    def read(self, path: str) -> str:
        return str(self.remote("files", "read", path))

    def write(self, path: str, text: str, append: bool = False) -> None:
        self.remote("files", "write", path, text, append)

    def mkdir(self, path: str, parents: bool = False) -> None:
        self.remote("files", "mkdir", path, parents)

    def remove(self, path: str) -> None:
        self.remote("files", "remove", path)

    def remove_tree(self, path: str) -> None:
        self.remote("files", "remove_tree", path)

    def listdir(self, path: str) -> list[str]:
        return [str(name) for name in self.remote("files", "listdir", path)]


class RemoteNetwork:
    """The cluster network as the simulator models it (`netmodel.Network`)."""

    def __init__(self, remote: Remote) -> None:
        self.remote = remote

    def query(self, name: str, qtype: str) -> DnsAnswer:
        answer = self.remote("network", "query", name, qtype)
        records = tuple(DnsRecord(*record) for record in answer["records"])
        return DnsAnswer(int(answer["rcode"]), records)

    def getaddrinfo(self, host: str) -> list[str]:
        return [str(ip) for ip in self.remote("network", "getaddrinfo", host)]

    def reverse(self, ip: str) -> str | None:
        found = self.remote("network", "reverse", ip)
        return None if found is None else str(found)

    def pingable(self, ip: str) -> bool:
        return bool(self.remote("network", "pingable", ip))

    def connect(self, ip: str, port: int) -> None:
        self.remote("network", "connect", ip, port)

    async def request(self, ip: str, port: int, request: HttpRequest) -> HttpResponse:
        sent = {
            "method": request.method,
            "path": request.path,
            "host": request.host,
            "headers": request.headers,
            "body": request.body,
            "client_ip": request.client_ip,
            "client_port": request.client_port,
        }
        got = self.remote("network", "request", ip, port, sent)
        headers = [(str(k), str(v)) for k, v in got["headers"]]
        return HttpResponse(int(got["status"]), str(got["reason"]), headers, str(got["body"]))


def context_of(session: dict[str, Any], remote: Remote) -> ContainerContext:
    who = session["container"]
    return ContainerContext(
        namespace=who["namespace"],
        pod_name=who["pod_name"],
        container_name=who["container_name"],
        image=lookup(who["image"]),
        network=RemoteNetwork(remote),
        env=dict(who["env"]),
        pod_ip=who["pod_ip"],
        node_name=who["node_name"],
        hostname=who["hostname"],
        started_at=float(who["started_at"]),
        fs=RemoteFiles(remote),
        resolv=resolv_for(who["namespace"]),
    )


def set_budgets(cpu_seconds: float, memory_bytes: int) -> None:
    """CPU time from now on, and address space beyond what the worker uses now."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = used.ru_utime + used.ru_stime
    cpu = int(spent + cpu_seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        current = pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        current = 0
    if current:
        limit = current + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Session:
    """One session: the client's input in, the program's output and status out."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.stdin: Pipe | None = None
        self.tty: LineDiscipline | None = None

    async def send(self, channel: int, text: str) -> None:
        if not text:
            return
        if self.writer.is_closing():
            raise BrokenPipe
        try:
            self.writer.write(frames.encode({"t": "out", "c": channel, "d": text}))
            await self.writer.drain()  # the simulator reads at the client's pace
        except (ConnectionError, OSError) as exc:
            raise BrokenPipe from exc

    def out_writer(self, channel: int) -> Writer:
        async def send(text: str) -> None:
            await self.send(channel, text)

        return CallbackWriter(send)

    async def finish(self, outcome: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            self.writer.write(frames.encode({"t": "exit", **outcome}))
            await self.writer.drain()

    async def take_input(self, reader: asyncio.StreamReader) -> None:
        while (message := await frames.read(reader)) is not None:
            kind = message.get("t")
            if kind == "in":
                text = str(message.get("d", ""))
                if self.tty is not None:
                    await self.tty.feed(text)
                elif self.stdin is not None:
                    await self.stdin.write(text)
            elif kind == "eof":
                if self.tty is not None:
                    self.tty.close()
                elif self.stdin is not None:
                    self.stdin.close()


def _wants_interactive_shell(argv: list[str], tty: bool) -> bool:
    if not tty or not argv or argv[0].rsplit("/", 1)[-1] not in SHELLS:
        return False
    rest = argv[1:]
    return not any(a.startswith("-") and "c" in a for a in rest) and not [
        a for a in rest if not a.startswith("-")
    ]


async def run_session(
    session: Session, ctx: ContainerContext, spec: dict[str, Any]
) -> dict[str, Any]:
    """Run the session's argv; {"code": N} or {"status": a Failure status to send as is}."""
    argv = [str(a) for a in spec["argv"]]
    tty, want_stdin = bool(spec["tty"]), bool(spec["stdin"])
    program = find_program(ctx, argv[0])
    if program is None:
        return {"not_found": argv[0]}
    env = {str(k): str(v) for k, v in spec["env"].items()}
    if tty:
        out: Writer = TerminalOutput(lambda text: session.send(STDOUT, text))
        err: Writer = out
        session.tty = LineDiscipline(lambda text: session.send(STDOUT, text))
        if not want_stdin:
            session.tty.close()
        source = session.tty.lines
    else:
        out, err = session.out_writer(STDOUT), session.out_writer(STDERR)
        session.stdin = Pipe()
        if not want_stdin:
            session.stdin.close()
        source = session.stdin
    with session_jobs() as jobs:  # tasks the program starts in the background
        try:
            if _wants_interactive_shell(argv, tty):
                assert session.tty is not None
                code = await interactive_shell(
                    ctx, env, session.tty, out, name=argv[0], show_first_prompt=not spec["main"]
                )
            else:
                code = await program(argv, IO(source, out, err, tty=tty), env, ctx.image.workdir)
        except BrokenPipe:
            return {"gone": True}
        except MemoryError:
            await err.write(f"{argv[0]}: out of memory\n")
            return {"code": 137}
        except Exception as exc:  # a fault of the simulator itself: say so, keep serving
            await err.write(f"kubelab simulator: internal error while running {argv[0]}: {exc!r}\n")
            return {"code": 1}
        finally:
            end_jobs(jobs)
    return {"code": code}


async def serve(io_sock: socket.socket, rpc_sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=io_sock)
    spec = await frames.read(reader)
    if spec is None:
        return  # the simulator stopped before handing out this spare worker
    set_budgets(float(spec["cpu_seconds"]), int(spec["memory_bytes"]))
    session = Session(writer)
    ctx = context_of(spec, Remote(rpc_sock))
    work = asyncio.ensure_future(run_session(session, ctx, spec))
    pump = asyncio.ensure_future(session.take_input(reader))
    done, _ = await asyncio.wait([work, pump], return_when=asyncio.FIRST_COMPLETED)
    if work in done:
        await session.finish(work.result())
        pump.cancel()
        await asyncio.wait([pump])  # its read must end before ours starts
        await _drop_input(reader)
    pump.cancel()
    work.cancel()
    writer.close()


async def _drop_input(reader: asyncio.StreamReader) -> None:
    """Read and drop the client's input until the simulator closes its end (it kills the
    worker once it has read the exit message). The client's input may still be on its way
    when the program ends (kubectl sends the end of an empty stdin at once): closing our end
    would make the simulator's next write fail with EPIPE, and a failed write ends its reading
    too, losing the output and exit message it had not read yet."""
    with contextlib.suppress(ConnectionError, OSError):
        while await reader.read(1 << 16):
            pass


def main(io_sock: socket.socket, rpc_sock: socket.socket) -> None:
    """Entry point of a worker process (started by `exec_workers`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the simulator's Ctrl-C is not ours
    try:
        asyncio.run(serve(io_sock, rpc_sock))
    except (RemoteError, frames.FrameError, ConnectionError):
        pass  # the simulator went away: nothing is left to tell
    except MemoryError:
        os._exit(137)
    finally:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
