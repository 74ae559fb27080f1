"""`kubelab web` over plain HTTP and websockets (no browser): the token, the assets, the sessions.

Every test runs the real `kubelab web --cluster sim --port 0` on 127.0.0.1 in a fresh state dir.
"""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import aiohttp
import pytest
from web_support import ServedLab, kubelab_argv, lab_environment, pid_alive

from kubelab.sim.server.tls import generate

pytestmark = pytest.mark.timeout(120)

PATHS = ["/", "/static/js/textual.js", "/page/page.js", "/static/css/xterm.css"]
ABSOLUTE_URL = re.compile(r"""(?:https?|wss?)://[^\s"'()<>]+""")
REFERENCE = re.compile(r"""(?:src|href)="([^"]*)"|url\(["']?([^"')]+)""")


def kubelab(home: Path, *args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """`kubelab ARGS` run to its end, without a terminal, in a fresh state dir."""
    env = {**lab_environment(home), **environment}
    env.pop("TEXTUAL_DRIVER", None)
    return subprocess.run(
        [*kubelab_argv(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def cookie(lab: ServedLab, token: str | None = None) -> dict[str, str]:
    return {"Cookie": f"kubelab_token_{lab.port}={token or lab.token}"}


async def status(url: str, **kwargs: object) -> int:
    async with (
        aiohttp.ClientSession() as client,
        client.get(url, allow_redirects=False, **kwargs) as response,  # type: ignore[arg-type]
    ):
        return response.status


async def test_requests_without_the_right_token_get_403(served: ServedLab) -> None:
    for path in [*PATHS, "/ws", "/nothing-here"]:
        url = served.base + path
        assert await status(url) == 403, path
        assert await status(f"{url}?token=wrong") == 403, path
        assert await status(f"{url}?token={served.token}x") == 403, path
        assert await status(url, headers=cookie(served, "wrong")) == 403, path
        # the right token under another server's cookie name is not this server's cookie
        other = {"Cookie": f"kubelab_token_{served.port + 1}={served.token}"}
        assert await status(url, headers=other) == 403, path
    for path in PATHS:
        assert await status(served.base + path, headers=cookie(served)) == 200, path


async def test_the_token_in_the_url_becomes_a_strict_httponly_cookie(served: ServedLab) -> None:
    async with (
        aiohttp.ClientSession() as client,
        client.get(served.url, allow_redirects=False) as response,
    ):
        assert response.status == 302
        assert response.headers["Location"] == "/"  # the token leaves the address bar
        set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"kubelab_token_{served.port}={served.token};")
    attributes = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes  # plain HTTP on loopback: a Secure cookie would be dropped


async def test_the_page_loads_nothing_from_another_machine(served: ServedLab) -> None:
    async with aiohttp.ClientSession(headers=cookie(served)) as client:
        async with client.get(served.base + "/") as response:
            assert response.status == 200
            page = await response.text()
            policy = response.headers["Content-Security-Policy"]
        texts = {"/": page}
        for asset in ("/page/page.css", "/page/page.js"):
            async with client.get(served.base + asset) as response:
                texts[asset] = await response.text()
        references = [
            urljoin(served.base + where, a or b)
            for where in ("/", "/page/page.css")
            for a, b in REFERENCE.findall(texts[where] if where == "/" else texts["/page/page.css"])
        ]
        assert served.base + "/static/js/textual.js" in references
        assert served.base + "/static/fonts/RobotoMono-VariableFont_wght.ttf" in references
        for reference in references:
            if reference.startswith("data:"):
                continue
            async with client.get(reference) as response:
                assert response.status == 200, reference
    for name, text in texts.items():
        foreign = [u for u in ABSOLUTE_URL.findall(text) if not u.startswith(served.base)]
        assert not foreign, f"{name} loads from elsewhere: {foreign}"
    assert "fonts.googleapis.com" not in page
    assert "default-src 'self'" in policy and "font-src 'self'" in policy


async def test_a_websocket_from_another_site_is_refused(served: ServedLab) -> None:
    headers = {**cookie(served), "Origin": "http://attacker.example"}
    assert await status(served.base + "/ws", headers=headers) == 403
    assert not served.tab_pids()


async def drawn(ws: aiohttp.ClientWebSocketResponse, wanted: bytes, timeout: float = 60) -> None:
    """Read the app's output until `wanted` was drawn."""
    output = b""
    async with asyncio.timeout(timeout):
        async for message in ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                output += message.data
                if wanted in output:
                    return
    raise AssertionError(f"the websocket closed before {wanted!r}: {output[-500:]!r}")


async def ended(pid: int, timeout: float = 20) -> bool:
    async with asyncio.timeout(timeout):
        while pid_alive(pid):
            await asyncio.sleep(0.1)
    return True


async def test_each_tab_is_an_app_that_ends_with_it_and_ctrl_c_ends_them_all(
    served: ServedLab,
) -> None:
    ws_url = served.base.replace("http", "ws") + "/ws?width=100&height=30"
    async with aiohttp.ClientSession(headers=cookie(served)) as client:
        first = await client.ws_connect(ws_url)
        await drawn(first, b"Lab cluster")
        (pid_one,) = served.tab_pids()
        assert pid_alive(pid_one)
        await first.close()  # the tab is closed
        assert await ended(pid_one)

        second = await client.ws_connect(ws_url)
        third = await client.ws_connect(ws_url)
        await drawn(second, b"Lab cluster")
        await drawn(third, b"Lab cluster")
        _, two, three = served.tab_pids()
        assert len({pid_one, two, three}) == 3 and pid_alive(two) and pid_alive(three)
        started = served.started_pids()
        assert served.stop() == 0  # Ctrl-C
        assert not any(pid_alive(pid) for pid in started)  # the tabs' apps and the spare
        assert "ending 2 session(s)" in served.log()


def test_a_non_loopback_host_without_tls_refuses_to_start(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "192.0.2.10"):
        done = kubelab(tmp_path, "web", "--host", host, "--port", "0", "--no-browser")
        assert done.returncode == 2, done.stderr
        assert f"--host {host} is not a loopback address" in done.stderr
        assert "--insecure-no-tls" in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""  # no URL: nothing was served


def test_half_the_tls_material_is_a_usage_error(tmp_path: Path) -> None:
    cert = tmp_path / "cert.pem"
    cert.write_text("not a certificate")
    for args in (["--certfile", str(cert)], ["--certfile", str(cert), "--keyfile", str(cert)]):
        done = kubelab(tmp_path, "web", "--port", "0", "--no-browser", *args)
        assert done.returncode == 2, done.stderr
        assert "--certfile" in done.stderr and "Traceback" not in done.stderr


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (the simulator's own generator) as PEM files."""
    certificate = generate()
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.cert_pem)
    key_path.write_bytes(certificate.key_pem)
    return cert_path, key_path


async def test_with_tls_the_lab_is_https_and_the_cookie_secure(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    lab = ServedLab(tmp_path, "--certfile", str(cert), "--keyfile", str(key))
    try:
        assert lab.url.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(cafile=str(cert))
        assert await status(lab.base + "/", ssl=trust) == 403
        async with (
            aiohttp.ClientSession() as client,
            client.get(lab.url, allow_redirects=False, ssl=trust) as response,
        ):
            assert response.status == 302
            assert "secure" in response.headers["Set-Cookie"].lower()
        assert await status(lab.base + "/", ssl=trust, headers=cookie(lab)) == 200
    finally:
        lab.stop()
        lab.stop_simulator()


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = kubelab(tmp_path, "web", "--port", str(port), "--no-browser")
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1 port {port}" in done.stderr
    assert "--port 0 picks a free port" in done.stderr


def test_the_session_marker_alone_does_not_let_the_app_run_without_a_terminal(
    tmp_path: Path,
) -> None:
    done = kubelab(tmp_path, "--cluster", "sim", KUBELAB_WEB_SESSION="1")
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr
