"""`kubelab web`: serve the lab to a browser (each tab its own app, all on one lab cluster)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import webbrowser
from pathlib import Path

import click

from kubelab.commands.exits import exit_codes, fail
from kubelab.commands.options import cluster_options, lessons_option


class WebError(Exception):
    """A reason `kubelab web` cannot start (exit code 2)."""


@click.command(name="web")
@cluster_options
@lessons_option
@exit_codes
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but loopback needs --certfile/--keyfile "
    "(or --insecure-no-tls).",
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option("--no-browser", is_flag=True, default=False, help="Do not open a browser.")
@click.option(
    "--certfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="TLS certificate (PEM) to serve HTTPS.",
)
@click.option(
    "--keyfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The certificate's private key (PEM).",
)
@click.option(
    "--insecure-no-tls",
    is_flag=True,
    default=False,
    help="Allow a non-loopback --host without TLS: the token and every keystroke cross the "
    "network in clear text. Only on a network you trust.",
)
def web(
    cluster: str | None,
    namespace: str | None,
    yes: bool,
    lessons_dir: Path | None,
    host: str,
    port: int,
    no_browser: bool,
    certfile: Path | None,
    keyfile: Path | None,
    insecure_no_tls: bool,
) -> None:
    """Serve the lab in a browser, at a URL that carries a secret token.

    Every browser tab runs its own lab (the same app as in the terminal, console included);
    all of them use one lab cluster. Closing a tab ends its lab; Ctrl-C ends the server and
    every lab.
    """
    from kubelab.tui.launch import preflight
    from kubelab.web.access import BindRefused, check_bind

    try:
        tls = _tls_context(certfile, keyfile)
        check_bind(host, tls=tls is not None, insecure=insecure_no_tls)
        problem = preflight(cluster=cluster, namespace=namespace, lessons=lessons_dir)
        if problem is not None:
            fail(problem)
        listener = _listen(host, port)
    except (WebError, BindRefused) as exc:
        fail(f"web: {exc}")
    argv = _app_argv(cluster, namespace, yes, lessons_dir)
    asyncio.run(_serve(listener, tls, argv, open_browser=not no_browser))


def _tls_context(certfile: Path | None, keyfile: Path | None) -> ssl.SSLContext | None:
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        raise WebError("--certfile and --keyfile go together: give both, or neither")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as exc:
        raise WebError(f"cannot use --certfile {certfile} with --keyfile {keyfile}: {exc}") from exc
    return context


def _listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now: the URL names its real port (--port 0 picks one)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise WebError(f"--host {host}: {exc.strerror}") from exc
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        hint = "; --port 0 picks a free port" if port else ""
        raise WebError(f"cannot listen on {host} port {port}: {exc.strerror}{hint}") from exc
    listener.listen(128)
    return listener


def _app_argv(
    cluster: str | None, namespace: str | None, yes: bool, lessons: Path | None
) -> list[str]:
    """The command of one tab's app: this Python's kubelab with the same cluster and course."""
    argv = [sys.executable, "-m", "kubelab"]
    if cluster is not None:
        argv += ["--cluster", cluster]
    if namespace is not None:
        argv += ["--namespace", namespace]
    if yes:
        argv.append("--yes")
    if lessons is not None:
        argv += ["--lessons", str(lessons.resolve())]
    return argv


def _url(listener: socket.socket, tls: bool, token: str) -> str:
    host, port = listener.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = socket.gethostname()  # a wildcard address is no place to browse to
    elif ":" in host:
        host = f"[{host}]"
    scheme = "https" if tls else "http"
    return f"{scheme}://{host}:{port}/?token={token}"


async def _serve(
    listener: socket.socket, tls: ssl.SSLContext | None, argv: list[str], *, open_browser: bool
) -> None:
    from aiohttp import web

    from kubelab.web.access import new_token
    from kubelab.web.server import WebConfig, WebServer

    logging.basicConfig(level=logging.INFO, format="kubelab web: %(message)s", stream=sys.stderr)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    token = new_token()
    port = int(listener.getsockname()[1])
    server = WebServer(
        WebConfig(app_argv=argv, token=token, port=port, tls=tls, base_environment=os.environ)
    )
    runner = web.AppRunner(server.application(), handle_signals=False, shutdown_timeout=10)
    await runner.setup()
    await web.SockSite(runner, listener, ssl_context=tls).start()
    url = _url(listener, tls is not None, token)
    click.echo(f"kubelab web: serving the lab; open\n\n    {url}\n", err=True)
    click.echo(url)
    sys.stdout.flush()
    click.echo("kubelab web: each tab is a lab of its own; Ctrl-C ends them all", err=True)
    if open_browser:
        threading.Thread(target=_open_browser, args=(url,), daemon=True).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        click.echo("kubelab web: stopping; ending every session", err=True)
    finally:
        await runner.cleanup()
    click.echo("kubelab web: stopped", err=True)


def _open_browser(url: str) -> None:
    # in a thread: a text-mode browser found on PATH must not hold the server up
    try:
        if webbrowser.open(url):
            return
        reason = "no browser found here"
    except webbrowser.Error as exc:
        reason = f"cannot open a browser ({exc})"
    click.echo(f"kubelab web: {reason}; open the URL above yourself", err=True)
