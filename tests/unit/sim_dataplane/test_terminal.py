"""The terminal: line discipline (echo, erase, kill, EOF, escape sequences), prompts per image,
and the interactive shell loop; plus host-port forwarding and the image catalogue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kubelab.sim.dataplane import hostport
from kubelab.sim.dataplane.images import lookup, pull_failure_event, split_reference
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest
from kubelab.sim.dataplane.pipes import Collector
from kubelab.sim.dataplane.shell.interpreter import Shell
from kubelab.sim.dataplane.terminal import (
    LineDiscipline,
    TerminalOutput,
    interactive_shell,
    prompt_for,
)


async def test_line_discipline_echo_erase_kill_eof() -> None:
    echoed: list[str] = []

    async def echo(text: str) -> None:
        echoed.append(text)

    tty = LineDiscipline(echo)
    await tty.feed("ab\x7fc\r")
    assert await tty.lines.readline() == "ac\n"
    await tty.feed("xyz\x15ok\x1b[D\n")  # Ctrl-U kills the line; Left is swallowed
    assert await tty.lines.readline() == "ok\n"
    await tty.feed("\x04")
    assert await tty.lines.readline() == ""
    await tty.feed("after\r")
    assert await tty.lines.readline() == "after\n"  # Ctrl-D ended one read, not the terminal
    assert "".join(echoed) == "ab\b \bc\r\nxyz" + "\b \b" * 3 + "ok\r\nafter\r\n"


async def test_line_discipline_history() -> None:
    echoed: list[str] = []

    async def echo(text: str) -> None:
        echoed.append(text)

    tty = LineDiscipline(echo)
    await tty.feed("first\rsecond\r")
    await tty.lines.readline()
    await tty.lines.readline()
    echoed.clear()
    await tty.feed("x\x1b[A\x1b[A\x1b[B\r")
    assert await tty.lines.readline() == "second\n"
    assert "".join(echoed) == "x\b \bsecond" + "\b \b" * 6 + "first" + "\b \b" * 5 + "second\r\n"


async def test_terminal_output_translates_newlines() -> None:
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    out = TerminalOutput(send)
    await out.write("a\nb\r\nc")
    assert sent == ["a\r\nb\r\nc"]


@pytest.mark.parametrize(
    ("pod", "program", "prompt"),
    [
        ("client", "sh", "/ # "),
        ("curler", "sh", "~ $ "),
        ("my-nginx-abc-1", "sh", "# "),
        ("my-nginx-abc-1", "bash", "root@my-nginx-abc-1:/# "),
    ],
)
def test_prompts(world: Any, pod: str, program: str, prompt: str) -> None:
    ctx = world.context(pod)
    shell = Shell(ctx, dict(ctx.env), name=program, interactive=True)
    assert prompt_for(shell) == prompt


async def test_interactive_shell_until_ctrl_d(world: Any) -> None:
    ctx = world.context("client")
    out = Collector()

    async def echo(text: str) -> None:
        await out.write(text)

    tty = LineDiscipline(echo)
    session = asyncio.ensure_future(interactive_shell(ctx, dict(ctx.env), tty, out))

    async def prompt(text: str) -> None:
        async def wait() -> None:
            while not out.text.endswith(text):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(wait(), 5)

    await prompt("/ # ")
    await tty.feed("cd /etc\r")
    await prompt("/etc # ")
    await tty.feed("false\r")
    await prompt("false\r\n/etc # ")
    await tty.feed("\x04")
    status = await asyncio.wait_for(session, 5)
    assert status == 1
    assert out.text == "/ # cd /etc\r\n/etc # false\r\n/etc # \n"


async def test_host_port_forwarding(world: Any) -> None:
    class Store:
        registry = type("R", (), {"by_key": staticmethod(lambda key: key)})()

        def list(self, rt: str, namespace: str | None = None, **_: Any) -> Any:
            items = {
                "/services": world.services,
                "/pods": world.pods,
                "/nodes": world.nodes,
                "discovery.k8s.io/endpointslices": world.slices,
                "/namespaces": [{"metadata": {"name": "default"}}],
            }[rt]
            return type("L", (), {"items": items})()

    store = Store()
    resp = await hostport.forward(store, "default", "my-nginx", 80, HttpRequest(path="/"))
    assert resp.status == 200 and "<title>Welcome to nginx!</title>" in resp.body
    with pytest.raises(ConnectError):
        await hostport.forward(store, "default", "empty", 80, HttpRequest())


def test_image_catalogue() -> None:
    assert split_reference("docker.io/library/nginx:1.25") == ("nginx", "1.25")
    assert split_reference("busybox") == ("busybox", "latest")
    assert lookup("nginx:1.25").version == "1.25.5"
    assert lookup("nginx").env["NGINX_VERSION"] == "1.29.3"
    assert lookup("busybox:1.28").busybox_version == (1, 28)
    assert lookup("busybox").busybox_version == (1, 37)
    assert lookup("nginx:alpine").shell == "busybox"
    assert lookup("hashicorp/http-echo").shell is None
    unknown = lookup("example.com/shop:1.0")
    assert not unknown.known and unknown.pull_error is None
    radial = lookup("radial/busyboxplus:curl")
    assert radial.pull_error is not None
    assert pull_failure_event("radial/busyboxplus:curl") == (
        'Failed to pull image "radial/busyboxplus:curl": rpc error: code = Unimplemented desc = '
        'failed to pull and unpack image "docker.io/radial/busyboxplus:curl": not implemented: '
        'media type "application/vnd.docker.distribution.manifest.v1+prettyjws" is no longer '
        "supported since containerd v2.1, please rebuild the image as "
        '"application/vnd.docker.distribution.manifest.v2+json" or '
        '"application/vnd.oci.image.manifest.v1+json"'
    )
    assert pull_failure_event("nginx") is None
    curl = lookup("curlimages/curl")
    assert curl.main_argv(None, ["sh"]) == ["sh"]
    assert curl.main_argv(None, ["-s", "x"]) == ["curl", "-s", "x"]


async def test_terminal_output_is_a_tty_for_ls_and_curl(world: Any) -> None:
    ctx = world.context("curler")
    out = Collector()

    async def echo(text: str) -> None:
        await out.write(text)

    tty = LineDiscipline(echo)
    session = asyncio.ensure_future(interactive_shell(ctx, dict(ctx.env), tty, out))
    await tty.feed("ls /; ls / | head -2; curl hostnames; echo; curl my-nginx | grep '<h1>'\r")
    await tty.feed("\x04")
    await asyncio.wait_for(session, 5)
    text = out.text
    assert "bin   dev   etc   home  lib   proc  root  sys   tmp   usr   var\n" in text
    assert "bin\ndev\n" in text  # a pipe is not a terminal
    assert "<h1>Welcome to nginx!</h1>\n" in text
    assert "\nhostnames-xyz-0\n" in text  # no progress meter: curl writes to the terminal
    assert text.count("% Total") == 1  # but it does when its output goes into a pipe


def test_control_plane_images_are_distroless() -> None:
    for ref in (
        "registry.k8s.io/coredns/coredns:v1.12.1",
        "registry.k8s.io/etcd:3.6.4-0",
        "registry.k8s.io/kube-proxy:v1.34.0",
        "docker.io/kindest/kindnetd:v20250512-df8de77b",
    ):
        image = lookup(ref)
        assert image.known and image.shell is None and not image.commands, ref
