"""HTTP clients and ping: `wget` (busybox), `curl` (curl 8), `ping` (busybox).

Names resolve through the pod's resolver (search path, ndots); connections go through the
simulated cluster network: Service VIPs load-balance over ready endpoints, a Service
without endpoints refuses, unknown addresses time out (after a short simulated wait).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from kubelab.sim.dataplane.commands.common import UsageError, split_flags
from kubelab.sim.dataplane.netmodel import ConnectError, HttpRequest, HttpResponse
from kubelab.sim.dataplane.process import Invocation

CURL_VERSION = "8.17.0"
SIMULATED_TIMEOUT = 5.0  # seconds a connection to an unreachable address hangs before failing


@dataclass
class Url:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def parse_url(text: str) -> Url | None:
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Url(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


async def _exchange(
    inv: Invocation, ip: str, url: Url, request: HttpRequest, wait: float
) -> HttpResponse:
    """One request; a timeout-kind failure waits `wait` seconds first, as a real one hangs."""
    try:
        return await inv.container.network.request(ip, url.port, request)
    except ConnectError as exc:
        if exc.kind == "timeout":
            await asyncio.sleep(wait)
        raise


# -- wget ----------------------------------------------------------------------------------
def _bar(name: str, size: int) -> str:
    label = (name[:20]).ljust(20)
    return f"{label} 100% |********************************| {size:>5}  0:00:00 ETA\n"


async def wget(inv: Invocation) -> int:
    try:
        flags, rest = split_flags(inv.args, with_value="OTUYP")
    except UsageError as exc:
        return await inv.fail(exc.message)
    quiet = "q" in flags or "--quiet" in flags
    output = flags.get("O", flags.get("--output-document"))
    spider = "--spider" in flags
    timeout = float(flags.get("T", flags.get("--timeout", "")) or SIMULATED_TIMEOUT)
    if not rest:
        await inv.err(
            "BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\n"
            "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n"
            "\t[--post-data STR | --post-file FILE] [-Y on/off]\n"
            "\t[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...\n"
        )
        return 1
    status = 0
    for target in rest:
        status = await _wget_one(
            inv, target, quiet, output, spider, min(timeout, SIMULATED_TIMEOUT)
        )
        if status:
            return status
    return status


async def _wget_one(
    inv: Invocation, target: str, quiet: bool, output: str | None, spider: bool, wait: float
) -> int:
    url = parse_url(target)
    if url is None:
        return await inv.fail(f"not an http or ftp url: {target}")
    addresses = inv.container.network.getaddrinfo(url.host)
    if not addresses:
        return await inv.fail(f"bad address '{url.host}'")
    ip = addresses[0]
    if not quiet:
        await inv.err(f"Connecting to {url.host_header} ({ip}:{url.port})\n")
    request = HttpRequest(
        "GET", url.path, url.host_header, {"User-Agent": "Wget", "Connection": "close"}
    )
    try:
        resp = await _exchange(inv, ip, url, request, wait)
    except ConnectError as exc:
        if exc.kind == "timeout":
            return await inv.fail("download timed out")
        reason = "Connection refused" if exc.kind == "refused" else "No route to host"
        return await inv.fail(f"can't connect to remote host ({ip}): {reason}")
    if url.scheme == "https":
        return await inv.fail("error getting response: Connection reset by peer")
    if not 200 <= resp.status < 300:
        return await inv.fail(f"server returned error: HTTP/1.1 {resp.status} {resp.reason}")
    if spider:
        if not quiet:
            await inv.err("remote file exists\n")
        return 0
    size = len(resp.body.encode())
    if output == "-":
        if not quiet:
            await inv.err("writing to stdout\n")
        await inv.out(resp.body)
        if not quiet:
            await inv.err(_bar("-", size) + "written to stdout\n")
        return 0
    name = output or (url.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "index.html")
    path = inv.path(name)
    if output is None and inv.container.files.exists(path):
        return await inv.fail(f"can't open '{name}': File exists")
    if not quiet:
        await inv.err(f"saving to '{name}'\n")
    inv.container.files.write(path, resp.body)
    if not quiet:
        await inv.err(_bar(name, size) + f"'{name}' saved\n")
    return 0


# -- curl ----------------------------------------------------------------------------------
LONG_FLAGS = {
    "--silent": "s",
    "--show-error": "S",
    "--fail": "f",
    "--include": "i",
    "--head": "I",
    "--verbose": "v",
    "--insecure": "k",
    "--location": "L",
    "--remote-name": "O",
}
LONG_VALUES = {
    "--output": "o",
    "--max-time": "m",
    "--write-out": "w",
    "--request": "X",
    "--header": "H",
    "--data": "d",
    "--user-agent": "A",
    "--connect-timeout": "connect-timeout",
}
SHORT_VALUES = "omwXHdAeu"


def _curl_args(args: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    flags: dict[str, str] = {}
    headers: list[str] = []
    urls: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in LONG_FLAGS:
                flags[LONG_FLAGS[name]] = ""
            elif name in LONG_VALUES:
                if not eq:
                    i += 1
                    if i >= len(args):
                        raise UsageError(f"option {name}: requires parameter", 2)
                    value = args[i]
                key = LONG_VALUES[name]
                if key == "H":
                    headers.append(value)
                else:
                    flags[key] = value
            else:
                raise UsageError(f"option {name}: is unknown", 2)
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                c = arg[j]
                if c in SHORT_VALUES:
                    value = arg[j + 1 :]
                    if not value:
                        i += 1
                        if i >= len(args):
                            raise UsageError(f"option -{c}: requires parameter", 2)
                        value = args[i]
                    if c == "H":
                        headers.append(value)
                    else:
                        flags[c] = value
                    break
                flags[c] = ""
                j += 1
        else:
            urls.append(arg)
        i += 1
    return flags, headers, urls


def _max5(n: float) -> str:
    if n < 100000:
        return f"{int(n):5d}"
    if n < 10000 * 1024:
        return f"{int(n / 1024):4d}k"
    return f"{int(n / 1024 / 1024):4d}M"


def _meter(size: int) -> str:
    speed = _max5(size * 1000 if size else 0)
    return (
        "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
        "                                 Dload  Upload   Total   Spent    Left  Speed\n"
        f"100 {_max5(size)}  100 {_max5(size)}    0     0 {speed}      0 --:--:-- --:--:-- "
        f"--:--:-- {speed}\n"
    )


def _write_out(fmt: str, resp: HttpResponse | None, url: str, ip: str) -> str:
    values = {
        "http_code": f"{resp.status if resp else 0:03d}",
        "response_code": f"{resp.status if resp else 0:03d}",
        "size_download": str(len(resp.body.encode()) if resp else 0),
        "remote_ip": ip,
        "url_effective": url,
        "content_type": (resp.header("Content-Type") or "") if resp else "",
    }
    text = re.sub(r"%\{([a-z_]+)\}", lambda m: values.get(m.group(1), ""), fmt)
    return text.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r")


async def curl(inv: Invocation) -> int:
    try:
        flags, headers, urls = _curl_args(inv.args)
    except UsageError as exc:
        await inv.err(
            f"curl: {exc.message}\n"
            "curl: try 'curl --help' or 'curl --manual' for more information\n"
        )
        return exc.status
    if not urls:
        await inv.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    status = 0
    for target in urls:
        status = await _curl_one(inv, target, flags, headers)
    return status


@dataclass
class _CurlReport:
    """Where one transfer reports on stderr: the progress meter and `curl: (N) ...` errors."""

    inv: Invocation
    meter: bool
    show_error: bool

    @classmethod
    def of(cls, inv: Invocation, flags: dict[str, str]) -> _CurlReport:
        silent = "s" in flags
        tty = inv.extra.get("tty") == "1"
        return cls(
            inv,
            meter=not silent and ("o" in flags or not tty) and "v" not in flags,
            show_error="S" in flags or not silent,
        )

    async def error(self, code: int, message: str) -> int:
        if self.meter:
            await self.inv.err(
                _meter(0).rsplit("\n", 2)[0]
                + "\n"
                + "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\n"
            )
        if self.show_error:
            await self.inv.err(f"curl: ({code}) {message}\n")
        return code


@dataclass
class _Fetched:
    """The last response of a transfer, with the URL and address it came from."""

    resp: HttpResponse
    url: Url
    ip: str


async def _curl_one(inv: Invocation, target: str, flags: dict[str, str], headers: list[str]) -> int:
    report = _CurlReport.of(inv, flags)
    url = parse_url(target)
    if url is None:
        return await report.error(
            3,
            "URL rejected: Bad hostname"
            if "://" in target
            else "URL using bad/illegal format or missing URL",
        )
    method = flags.get("X") or ("HEAD" if "I" in flags else ("POST" if "d" in flags else "GET"))
    fetched = await _curl_fetch(inv, report, url, method, flags, headers)
    if isinstance(fetched, int):
        return fetched
    if "f" in flags and fetched.resp.status >= 400:
        return await report.error(22, f"The requested URL returned error: {fetched.resp.status}")
    status = await _curl_deliver(inv, report, fetched, method, flags)
    if status:
        return status
    if "v" in flags:
        await inv.err(f"* Connection #0 to host {fetched.url.host} left intact\n")
    if "w" in flags:
        await inv.out(_write_out(flags["w"], fetched.resp, target, fetched.ip))
    return 0


async def _curl_fetch(
    inv: Invocation,
    report: _CurlReport,
    url: Url,
    method: str,
    flags: dict[str, str],
    headers: list[str],
) -> _Fetched | int:
    """Request `url`, following redirects with -L; an exit status when the transfer fails."""
    timeout = float(flags.get("m") or flags.get("connect-timeout") or SIMULATED_TIMEOUT)
    verbose = "v" in flags
    redirects = 0
    started = time.monotonic()
    while True:
        addresses = inv.container.network.getaddrinfo(url.host)
        if not addresses:
            return await report.error(6, f"Could not resolve host: {url.host}")
        ip = addresses[0]
        if verbose:
            await inv.err(f"*   Trying {ip}:{url.port}...\n")
        request = HttpRequest(
            method,
            url.path,
            url.host_header,
            _request_headers(url, flags, headers),
            flags.get("d", ""),
        )
        try:
            resp = await _exchange(inv, ip, url, request, min(timeout, SIMULATED_TIMEOUT))
        except ConnectError as exc:
            ms = int((time.monotonic() - started) * 1000)
            return await report.error(*_connect_failure(exc, url, flags, ms))
        if url.scheme == "https":
            return await report.error(
                35, "OpenSSL/3.5.4: error:0A00010B:SSL routines::wrong version number"
            )
        if verbose:
            await inv.err(_verbose_exchange(url, ip, request, resp))
        # curl's default --max-redirs is 50.
        nxt = _redirect_target(url, resp) if "L" in flags and redirects < 50 else None
        if nxt is None:
            return _Fetched(resp, url, ip)
        redirects += 1
        url = nxt


def _request_headers(url: Url, flags: dict[str, str], headers: list[str]) -> dict[str, str]:
    """curl's default headers, then each -H in order (a later one replaces an earlier one)."""
    req_headers = {
        "Host": url.host_header,
        "User-Agent": flags.get("A", f"curl/{CURL_VERSION}"),
        "Accept": "*/*",
    }
    for h in headers:
        key, _, value = h.partition(":")
        req_headers[key.strip()] = value.strip()
    return req_headers


def _connect_failure(
    exc: ConnectError, url: Url, flags: dict[str, str], ms: int
) -> tuple[int, str]:
    """curl's exit status and message for a connection that failed after `ms` milliseconds."""
    if exc.kind == "timeout":
        if "m" in flags:
            return 28, f"Connection timed out after {ms} milliseconds"
        return (
            28,
            f"Failed to connect to {url.host} port {url.port} after {ms} ms: Timeout was reached",
        )
    reason = "Could not connect to server"
    return 7, f"Failed to connect to {url.host} port {url.port} after {ms} ms: {reason}"


def _verbose_exchange(url: Url, ip: str, request: HttpRequest, resp: HttpResponse) -> str:
    """What -v prints for one request and its response head."""
    return (
        f"* Connected to {url.host} ({ip}) port {url.port}\n"
        f"* using HTTP/1.x\n"
        f"> {request.method} {url.path} HTTP/1.1\n"
        + "".join(f"> {k}: {v}\n" for k, v in request.headers.items())
        + ">\n* Request completely sent off\n"
        + f"< HTTP/1.1 {resp.status} {resp.reason}\n"
        + "".join(f"< {k}: {v}\n" for k, v in resp.headers)
        + "<\n"
    )


def _redirect_target(url: Url, resp: HttpResponse) -> Url | None:
    """Where a redirect response points (a relative Location is on the same host), if anywhere."""
    location = resp.header("Location")
    if not location or resp.status not in (301, 302, 303, 307, 308):
        return None
    return parse_url(
        location if "://" in location else f"{url.scheme}://{url.host_header}{location}"
    )


async def _curl_deliver(
    inv: Invocation, report: _CurlReport, fetched: _Fetched, method: str, flags: dict[str, str]
) -> int:
    """Write the response where -o / -O / stdout says (with -i/-I, the head first)."""
    resp = fetched.resp
    head = (
        f"HTTP/1.1 {resp.status} {resp.reason}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in resp.headers)
        + "\r\n"
    )
    body = "" if method == "HEAD" else resp.body
    text = (head if ("i" in flags or "I" in flags) else "") + body
    if "o" in flags and flags["o"] != "-":
        if flags["o"] != "/dev/null":
            inv.container.files.write(inv.path(flags["o"]), text)
    elif "O" in flags:
        name = fetched.url.path.split("?")[0].rsplit("/", 1)[-1]
        if not name:
            return await report.error(23, "Failed writing received data to disk/application")
        inv.container.files.write(inv.path(name), text)
    else:
        if report.meter:
            await inv.err(_meter(len(body.encode())))
        await inv.out(text)
    return 0


# -- ping ----------------------------------------------------------------------------------
async def ping(inv: Invocation) -> int:
    try:
        flags, rest = split_flags(inv.args, with_value="cWwis")
    except UsageError as exc:
        return await inv.fail(exc.message)
    if not rest:
        await inv.err("Usage: ping [OPTIONS] HOST\n")
        return 1
    host = rest[0]
    addresses = inv.container.network.getaddrinfo(host)
    if not addresses:
        return await inv.fail(f"bad address '{host}'")
    ip = addresses[0]
    count = int(flags.get("c", "0") or 0)
    answers = inv.container.network.pingable(ip)
    await inv.out(f"PING {host} ({ip}): 56 data bytes\n")
    sent = received = 0
    try:
        while not count or sent < count:
            if sent:
                await asyncio.sleep(1.0)
            if answers:
                await inv.out(
                    f"64 bytes from {ip}: seq={sent} ttl=63 time=0.{80 + sent % 7:03d} ms\n"
                )
                received += 1
            sent += 1
        if not answers:
            await asyncio.sleep(1.0)
    finally:
        loss = 0 if not sent else int(100 * (sent - received) / sent)
        await inv.out(
            f"\n--- {host} ping statistics ---\n"
            f"{sent} packets transmitted, {received} packets received, {loss}% packet loss\n"
            + ("round-trip min/avg/max = 0.080/0.083/0.086 ms\n" if received else "")
        )
    return 0 if received else 1
