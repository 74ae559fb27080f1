"""The exec/attach WebSocket protocol (v5/v4 channels), terminals, and container logs, against
an aiohttp test server whose store is a small stand-in over the unit-test cluster."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from kubelab.sim.dataplane import logs, streams
from kubelab.sim.dataplane.netmodel import HttpRequest
from kubelab.sim.dataplane.runtime import runtime_for
from kubelab.sim.dataplane.servers import serve
from kubelab.sim.errors import ApiError

TIMEOUT = 10.0


class FakeRegistry:
    def by_key(self, key: str) -> str:
        return key


class FakeStore:
    """What the data plane reads of CORE's store, over the unit-test world."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.registry = FakeRegistry()
        self.runtime: dict[str, Any] = {}

    def list(self, rt: str, namespace: str | None = None, **_: Any) -> Any:
        items = {
            "/services": self.world.services,
            "discovery.k8s.io/endpointslices": self.world.slices,
            "/pods": self.world.pods,
            "/nodes": self.world.nodes,
            "/namespaces": [{"metadata": {"name": n}} for n in ("default", "kube-system")],
        }[rt]
        return SimpleNamespace(items=items)

    def mutate(self, rt: str, namespace: str, name: str, fn: Any, **_: Any) -> Any:
        assert rt == "/pods"
        pod = self.world.pod(name)
        fn(pod)
        return pod

    def runtime_get(self, key: str, default: Any = None) -> Any:
        return self.runtime.get(key, default)

    def runtime_keys(self, prefix: str = "") -> list[str]:
        return [k for k in self.runtime if k.startswith(prefix)]


@pytest.fixture
async def server(world: Any) -> AsyncIterator[tuple[TestServer, FakeStore]]:
    store = FakeStore(world)
    store.handled = asyncio.Event()  # type: ignore[attr-defined]

    async def route(request: web.Request) -> web.StreamResponse:
        pod = world.pod(request.match_info["pod"])
        kind = request.match_info["kind"]
        try:
            if kind == "exec":
                return await streams.handle_exec(request, store, pod)
            return await streams.handle_attach(request, store, pod)
        except ApiError as exc:
            return web.json_response({"message": str(exc)}, status=400)
        finally:
            store.handled.set()  # type: ignore[attr-defined]

    async def follow(request: web.Request) -> web.StreamResponse:
        pod = world.pod(request.match_info["pod"])
        return await logs.stream_log(request, store, pod, None, request.query)

    app = web.Application()
    app.router.add_get("/{pod}/log", follow)
    app.router.add_get("/{pod}/{kind}", route)
    srv = TestServer(app)
    await srv.start_server()
    yield srv, store
    await srv.close()


class Session:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.channels: dict[int, str] = {1: "", 2: ""}
        self.status: dict[str, Any] | None = None

    async def send(self, channel: int, data: bytes) -> None:
        await self.ws.send_bytes(bytes([channel]) + data)

    async def read_until(self, channel: int, text: str) -> str:
        async def loop() -> str:
            while text not in self.channels[channel]:
                if not await self._one():
                    break
            return self.channels[channel]

        return await asyncio.wait_for(loop(), TIMEOUT)

    async def _one(self) -> bool:
        msg = await self.ws.receive()
        if msg.type != aiohttp.WSMsgType.BINARY:
            return False
        ch, payload = msg.data[0], msg.data[1:]
        if ch == 3:
            self.status = json.loads(payload)
        else:
            self.channels[ch] = self.channels.get(ch, "") + payload.decode()
        return True

    async def finish(self) -> dict[str, Any]:
        async def loop() -> None:
            while await self._one():
                pass

        await asyncio.wait_for(loop(), TIMEOUT)
        assert self.status is not None
        return self.status


async def connect(
    srv: TestServer,
    pod: str,
    kind: str,
    params: list[tuple[str, str]],
    protocol: str = "v5.channel.k8s.io",
) -> Session:
    session = aiohttp.ClientSession()
    ws = await session.ws_connect(
        srv.make_url(f"/{pod}/{kind}"),
        params=params,
        protocols=(protocol,),
        timeout=aiohttp.ClientWSTimeout(ws_close=5),
    )
    ws._kubelab_session = session  # type: ignore[attr-defined]
    return Session(ws)


async def close(s: Session) -> None:
    await s.ws.close()
    await s.ws._kubelab_session.close()  # type: ignore[attr-defined]


def argv(*words: str, stdin: bool = False, tty: bool = False) -> list[tuple[str, str]]:
    params = [("command", w) for w in words] + [("stdout", "true"), ("stderr", "true")]
    if stdin:
        params.append(("stdin", "true"))
    if tty:
        params.append(("tty", "true"))
    return params


async def test_exec_streams_and_exit_code(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("sh", "-c", "echo hi; echo err >&2; exit 3"))
    status = await s.finish()
    assert s.ws.protocol == "v5.channel.k8s.io"
    assert (s.channels[1], s.channels[2]) == ("hi\n", "err\n")
    assert status["status"] == "Failure" and status["reason"] == "NonZeroExitCode"
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    await close(s)


async def test_exec_success_v4(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("hostname"), protocol="v4.channel.k8s.io")
    assert await s.finish() == {"metadata": {}, "status": "Success"}
    assert s.channels[1] == "client\n"
    await close(s)


async def test_exec_uses_the_kubelets_recorded_environment(server: Any) -> None:
    srv, store = server
    store.runtime["ns/default/env/client/client"] = [["MY_NGINX_SERVICE_HOST", "10.96.162.149"]]
    s = await connect(srv, "client", "exec", argv("printenv"))
    await s.finish()
    lines = s.channels[1].splitlines()
    assert lines[:2] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME=client",
    ]
    assert "MY_NGINX_SERVICE_HOST=10.96.162.149" in lines and lines[-1] == "HOME=/root"
    await close(s)


async def test_exec_of_a_missing_program_is_the_runtimes_error(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("foo"))
    status = await s.finish()
    assert status["status"] == "Failure" and status["reason"] == "InternalError"
    assert 'exec: "foo": executable file not found in $PATH: unknown' in status["message"]
    assert status["message"].startswith("Internal error occurred: error executing command")
    await close(s)


async def test_exec_into_a_pending_pod(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "pending-1", "exec", argv("ls"))
    status = await s.finish()
    assert status["message"] == 'unable to upgrade connection: container not found ("pending")'
    await close(s)


async def test_stdin_until_closed(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("cat", stdin=True))
    await s.send(0, b"abc\n")
    assert await s.read_until(1, "abc\n") == "abc\n"
    await s.ws.send_bytes(b"\xff\x00")
    assert (await s.finish())["status"] == "Success"
    await close(s)


async def test_interactive_shell_with_tty(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("sh", stdin=True, tty=True))
    await s.read_until(1, "/ # ")
    await s.send(0, b"echo hello\r")
    out = await s.read_until(1, "hello\r\n/ # ")
    assert out == "/ # echo hello\r\nhello\r\n/ # "
    await s.send(0, b"sleep 100\r")
    await s.read_until(1, "sleep 100\r\n")
    await s.send(0, b"\x03")
    await s.read_until(1, "^C\r\n/ # ")
    await s.send(0, b"for i in 1 2\r")
    await s.read_until(1, "> ")
    await s.send(0, b"do echo n$i; done\r")
    await s.read_until(1, "n2\r\n/ # ")
    await s.send(0, b"exit 4\r")
    status = await s.finish()
    assert status["details"]["causes"][0]["message"] == "4"
    await close(s)


async def test_attach_to_a_shell_main_process(server: Any, world: Any) -> None:
    srv, _ = server
    pod = world.pod("client")
    pod["spec"]["containers"][0].update(stdin=True, tty=True, command=["sh"])
    s = await connect(
        srv,
        "client",
        "attach",
        [("container", "client"), ("stdin", "true"), ("stdout", "true"), ("tty", "true")],
    )
    await s.send(0, b"\r")
    await s.read_until(1, "/ # ")
    await s.send(0, b"hostname\r")
    await s.read_until(1, "client\r\n")
    await s.send(0, b"exit\r")
    assert (await s.finish())["status"] == "Success"
    await close(s)
    status = pod["status"]["containerStatuses"][0]
    # restartPolicy Always: the shell's end restarts the container
    assert status["restartCount"] == 1
    assert status["lastState"]["terminated"]["exitCode"] == 0
    assert "running" in status["state"]


async def test_one_shot_main_command_completes_the_pod(server: Any, world: Any) -> None:
    srv, _ = server
    pod = world.pod("old")
    pod["spec"]["restartPolicy"] = "Never"
    pod["spec"]["containers"][0].update(stdin=True, tty=True, command=["nslookup", "nosuch"])
    s = await connect(
        srv, "old", "attach", [("stdin", "true"), ("stdout", "true"), ("tty", "true")]
    )
    await s.finish()
    assert "nslookup: can't resolve 'nosuch'\r\n" in s.channels[1]
    await close(s)
    assert pod["status"]["phase"] == "Failed"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (1, "Error")


async def test_a_one_shot_command_whose_client_closes_stdin_at_once_completes(
    server: Any, world: Any
) -> None:
    """`kubectl run --rm -i --restart=Never -- echo hello` with an empty stdin: kubectl closes
    stdin as soon as the session opens, while `echo` ends at once. Whichever comes first, the
    client gets the output and the status, and the pod its exit code (the worker keeps reading
    input until the simulator is done with it, and the input relay stops when the session
    ends). Repeated: the two ends race."""
    srv, _ = server
    pod = world.pod("old")
    pod["spec"]["restartPolicy"] = "Never"
    pod["spec"]["containers"][0].update(stdin=True, command=["echo", "hello"])
    running = copy.deepcopy(pod["status"])
    for _ in range(30):
        pod["status"] = copy.deepcopy(running)
        s = await connect(srv, "old", "attach", [("stdin", "true"), ("stdout", "true")])
        await s.ws.send_bytes(b"\xff\x00")
        assert (await s.finish())["status"] == "Success"
        assert s.channels[1] == "hello\n"
        await close(s)
        assert pod["status"]["phase"] == "Succeeded"
        assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


async def test_logs_of_nginx_and_agnhost(world: Any) -> None:
    store = FakeStore(world)
    runtime = runtime_for(store)
    nginx = world.pod("my-nginx-abc-1")
    request = HttpRequest(
        "GET", "/", "my-nginx", {"User-Agent": "curl/8.17.0"}, client_ip="10.244.1.52"
    )
    assert serve(runtime, nginx, 80, request) is not None
    text = logs.read_log(store, nginx, None, {})
    assert "/docker-entrypoint.sh: Configuration complete; ready for start up\n" in text
    last = text.splitlines()[-1]
    assert last.startswith("10.244.1.52 - - [") and last.endswith(
        '"GET / HTTP/1.1" 200 615 "-" "curl/8.17.0" "-"'
    )
    assert logs.read_log(store, nginx, None, {"tailLines": "1"}) == last + "\n"
    agnhost = world.pod("hostnames-xyz-0")
    assert logs.read_log(store, agnhost, None, {}).endswith("Serving on port 9376.\n")
    with pytest.raises(ApiError):
        logs.read_log(store, world.pod("pending-1"), None, {})
    with pytest.raises(ApiError):
        logs.read_log(store, nginx, "nope", {})


async def test_attach_to_a_server_follows_its_log(server: Any, world: Any) -> None:
    srv, store = server
    s = await connect(srv, "my-nginx-abc-2", "attach", [("stdout", "true")])
    await asyncio.sleep(0.3)  # attached before the request arrives
    request = HttpRequest("GET", "/x", "my-nginx", {"User-Agent": "Wget"}, client_ip="10.244.1.50")
    serve(runtime_for(store), world.pod("my-nginx-abc-2"), 80, request)
    text = await s.read_until(1, '"GET /x HTTP/1.1" 404')
    assert text.startswith("10.244.1.50 - - [")
    await close(s)


async def test_exec_of_a_program_the_image_lacks(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("apt-get", "update"))
    status = await s.finish()
    assert status["reason"] == "InternalError"
    assert 'exec: "apt-get": executable file not found in $PATH' in status["message"]
    await close(s)


async def test_a_fault_in_a_command_is_reported_not_hidden(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the session's worker (where commands run), a command's own fault is reported on
    stderr with exit 1, not hidden and not the end of the worker."""
    from kubelab.sim.dataplane import session_worker
    from kubelab.sim.dataplane.commands import COMMANDS

    async def broken(inv: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "hostname", broken)
    sent: list[tuple[int, str]] = []

    class Captured(session_worker.Session):
        async def send(self, channel: int, text: str) -> None:
            sent.append((channel, text))

    ctx = world.context("client")
    spec = {"argv": ["hostname"], "tty": False, "stdin": False, "env": ctx.env, "main": False}
    outcome = await session_worker.run_session(Captured(None), ctx, spec)  # type: ignore[arg-type]
    assert outcome == {"code": 1}
    stderr = "".join(text for channel, text in sent if channel == 2)
    assert "internal error while running hostname: RuntimeError('boom')" in stderr


async def test_client_leaving_ends_a_writing_program(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    srv, store = server
    s = await connect(srv, "client", "exec", argv("sh", "-c", "while true; do echo x; done"))
    await s.read_until(1, "x\nx\n")
    await close(s)
    await asyncio.wait_for(store.handled.wait(), TIMEOUT)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_shell_reading_stdin_answers_line_by_line(server: Any) -> None:
    srv, _ = server
    s = await connect(srv, "client", "exec", argv("sh", stdin=True))
    await s.send(0, b"echo one\n")
    assert await s.read_until(1, "one\n") == "one\n"  # before stdin ends
    await s.send(0, b"for i in 1 2\ndo echo $i; done\nexit 2\n")
    status = await s.finish()
    assert s.channels[1] == "one\n1\n2\n"
    assert status["details"]["causes"][0]["message"] == "2"
    await close(s)


async def test_follow_logs(server: Any, world: Any) -> None:
    srv, store = server
    async with aiohttp.ClientSession() as session:
        resp = await session.get(srv.make_url("/my-nginx-abc-1/log"), params={"follow": "true"})
        first = await asyncio.wait_for(resp.content.readuntil(b"start worker processes\n"), TIMEOUT)
        assert b"Configuration complete; ready for start up" in first
        request = HttpRequest(
            "GET", "/", "my-nginx", {"User-Agent": "curl/8.17.0"}, client_ip="10.244.1.52"
        )
        serve(runtime_for(store), world.pod("my-nginx-abc-1"), 80, request)
        line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
        assert line.startswith(b"10.244.1.52 - - [") and b'"GET / HTTP/1.1" 200 615' in line
        resp.close()


async def test_follow_keeps_going_once_the_log_is_full(server: Any, world: Any) -> None:
    """Only the last LOG_LINES lines are kept; a follower still gets each new one."""
    from kubelab.sim.dataplane.runtime import LOG_LINES

    srv, store = server
    pod = world.pod("my-nginx-abc-1")
    runtime = runtime_for(store)
    uid, name = pod["metadata"]["uid"], pod["spec"]["containers"][0]["name"]
    for i in range(LOG_LINES):
        runtime.log(uid, name, f"old {i}")
    async with aiohttp.ClientSession() as session:
        resp = await session.get(srv.make_url("/my-nginx-abc-1/log"), params={"follow": "true"})
        await asyncio.wait_for(resp.content.readuntil(f"old {LOG_LINES - 1}\n".encode()), TIMEOUT)
        runtime.log(uid, name, "new 1")
        runtime.log(uid, name, "new 2")
        line = await asyncio.wait_for(resp.content.readline(), TIMEOUT)
        assert line == b"new 1\n"
        assert await asyncio.wait_for(resp.content.readline(), TIMEOUT) == b"new 2\n"
        resp.close()


def test_lines_after_a_position() -> None:
    from kubelab.sim.dataplane.runtime import LOG_LINES, DataplaneRuntime

    runtime = DataplaneRuntime()
    for i in range(LOG_LINES + 10):
        runtime.log("u", "c", str(i))
    assert runtime.log_total("u", "c") == LOG_LINES + 10
    assert [t for _, t in runtime.lines_after("u", "c", LOG_LINES + 7)] == [
        str(LOG_LINES + 7),
        str(LOG_LINES + 8),
        str(LOG_LINES + 9),
    ]
    assert runtime.lines_after("u", "c", LOG_LINES + 10) == []
    assert len(runtime.lines_after("u", "c", 0)) == LOG_LINES  # older ones are gone
    runtime.forget_pod("u")
    assert runtime.log_total("u", "c") == 0
