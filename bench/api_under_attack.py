"""The API under attack: while one pod (or one client) runs a hostile command, how long does
another client wait for `GET /api/v1/namespaces`?

Attacks (issue 15's reproductions, each through real kubectl against one simulator):
- regex: `grep -E '^(a+)+$'` on 29 characters (catastrophic backtracking on a backtracking engine);
- arith: `$(( ((1<<30000000)-1)*((1<<30000000)-3) ))` (a huge integer product);
- printf: `printf '%400000000s'` (a 400 MB field width);
- stdin: 100 MB of zeros into `kubectl exec -i bb -- sleep 30` (stdin nobody reads);
- patch: a 1.3 KB JSON patch of 22 `copy` operations, each copying `/x` into itself;
- shift: `$((1<<-1))` (a negative shift: busybox's answer, never an internal error);
- loop: `while true; do :; done` (a busy loop; its client is killed after 10 s);
- slowloris: 300 connections that send half a request line and stop.

For each: the attack's wall time and exit, the simulator's resident memory before and after, and
the p50/p99/max latency of a client polling `GET /api/v1/namespaces` (a fresh request as soon as
the previous one is answered; a request that times out counts as its full time) while the attack
runs. Target (issue 15): p99 under 100 ms for every attack.

    .venv/bin/python bench/api_under_attack.py [--only regex,arith] [--attack-timeout 40]

Bounded: every attack is killed after --attack-timeout seconds; loopback only.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

KUBECTL = Path(sys.executable).parent / "kubectl"
ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 10.0


@dataclass
class Sim:
    process: subprocess.Popen[bytes]
    kubeconfig: Path
    host: str
    port: int
    token: str
    ca_pem: str
    env: dict[str, str]
    cache: Path

    def kubectl(self) -> list[str]:
        return [str(KUBECTL), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache)]

    def rss_mb(self) -> float:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cadata=self.ca_pem)


def start_sim(directory: Path) -> Sim:
    kubeconfig = directory / "kubeconfig"
    log = (directory / "sim.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubelab",
            "sim",
            "serve",
            "--port",
            "0",
            "--kubeconfig",
            str(kubeconfig),
            "--state",
            str(directory / "state.db"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 60
    while not kubeconfig.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("kubelab sim serve did not become ready")
        time.sleep(0.05)
    time.sleep(0.2)
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    url = urlparse(cluster["server"])
    ca_pem = base64.b64decode(cluster["certificate-authority-data"]).decode()
    token = config["users"][0]["user"]["token"]
    env = dict(os.environ, HOME=str(directory), KUBECONFIG=str(kubeconfig))
    return Sim(
        process,
        kubeconfig,
        url.hostname or "127.0.0.1",
        url.port or 443,
        token,
        ca_pem,
        env,
        directory / "kubectl-cache",
    )


class Poller(threading.Thread):
    """One client polling `GET /api/v1/namespaces` on a kept-alive connection."""

    def __init__(self, sim: Sim) -> None:
        super().__init__(daemon=True)
        self.sim = sim
        self.samples: list[tuple[float, float, bool]] = []  # (start, ms, ok)
        self.stopping = threading.Event()

    def _connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self.sim.host, self.sim.port, timeout=REQUEST_TIMEOUT, context=self.sim.ssl_context()
        )

    def run(self) -> None:
        conn = self._connect()
        headers = {"Authorization": f"Bearer {self.sim.token}", "Accept": "application/json"}
        while not self.stopping.is_set():
            began = time.monotonic()
            ok = True
            try:
                conn.request("GET", "/api/v1/namespaces", headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = self._connect()
            self.samples.append((began, (time.monotonic() - began) * 1000, ok))
            time.sleep(0.01)
        conn.close()

    def window(self, start: float, end: float) -> list[tuple[float, bool]]:
        return [(ms, ok) for began, ms, ok in list(self.samples) if start <= began <= end]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def exec_attack(
    script: str, stdin_bytes: int = 0, argv: list[str] | None = None
) -> Callable[..., str]:
    def run(sim: Sim, timeout: float) -> str:
        command = argv if argv is not None else ["sh", "-c", script]
        flags = ["-i"] if stdin_bytes else []
        cmd = [*sim.kubectl(), "exec", *flags, "bb", "--", *command]
        process = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE if stdin_bytes else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=sim.env,
        )
        out_size = [0]
        err_tail = [b""]

        def drain_out() -> None:
            assert process.stdout is not None
            while chunk := process.stdout.read(1 << 16):
                out_size[0] += len(chunk)

        def drain_err() -> None:
            assert process.stderr is not None
            err_tail[0] = process.stderr.read()[-300:]

        readers = [threading.Thread(target=f, daemon=True) for f in (drain_out, drain_err)]
        for reader in readers:
            reader.start()
        if stdin_bytes:

            def feed() -> None:
                assert process.stdin is not None
                chunk = b"\0" * (1 << 20)
                try:
                    for _ in range(stdin_bytes >> 20):
                        process.stdin.write(chunk)
                    process.stdin.close()
                except (BrokenPipeError, ValueError, OSError):
                    pass

            threading.Thread(target=feed, daemon=True).start()
        try:
            code = process.wait(timeout=timeout)
            verdict = f"exit {code}"
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            verdict = f"killed after {timeout:.0f} s"
        for reader in readers:
            reader.join(timeout=5)
        err = err_tail[0].decode(errors="replace").strip().splitlines()
        return f"{verdict}, {out_size[0]} bytes out" + (f", stderr: {err[-1][:90]}" if err else "")

    return run


def patch_attack(sim: Sim, timeout: float) -> str:
    create = [*sim.kubectl(), "create", "configmap", "patchme", "--from-literal=x=y"]
    subprocess.run(create, env=sim.env, capture_output=True, timeout=60)
    ops: list[dict[str, object]] = [{"op": "add", "path": "/x", "value": ["a" * 16]}]
    ops += [{"op": "copy", "from": "/x", "path": "/x/-"} for _ in range(22)]
    cmd = [*sim.kubectl(), "patch", "configmap", "patchme", "--type=json", "-p", json.dumps(ops)]
    try:
        done = subprocess.run(cmd, env=sim.env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"killed after {timeout:.0f} s"
    last = (done.stderr or done.stdout).strip().splitlines()
    return f"exit {done.returncode}" + (f": {last[-1][:100]}" if last else "")


def slowloris_attack(sim: Sim, timeout: float, connections: int = 300) -> str:
    """Half-sent request lines, held for 10 s (or the timeout), then closed."""
    held: list[ssl.SSLSocket | socket.socket] = []
    refused = 0
    context = sim.ssl_context()
    for _ in range(connections):
        try:
            raw = socket.create_connection((sim.host, sim.port), timeout=5)
            wrapped = context.wrap_socket(raw, server_hostname=sim.host)
            wrapped.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
            held.append(wrapped)
        except OSError:
            refused += 1
    time.sleep(min(10.0, timeout))
    closed_by_server = 0
    for s in held:
        try:
            s.settimeout(0.01)
            if s.recv(1) == b"":
                closed_by_server += 1
        except (TimeoutError, ssl.SSLWantReadError):
            pass
        except OSError:
            closed_by_server += 1
        s.close()
    return f"{len(held)} held, {refused} refused, {closed_by_server} closed by the server"


ATTACKS: dict[str, Callable[[Sim, float], str]] = {
    "regex": exec_attack("echo " + "a" * 28 + "! | grep -E '^(a+)+$'"),
    "arith": exec_attack("echo $(( ((1<<30000000)-1)*((1<<30000000)-3) ))"),
    "printf": exec_attack("", argv=["printf", "%400000000s"]),
    "stdin": exec_attack("", stdin_bytes=100 << 20, argv=["sleep", "30"]),
    "patch": patch_attack,
    "shift": exec_attack("echo $((1<<-1))"),
    "loop": exec_attack("while true; do :; done"),
    "slowloris": slowloris_attack,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated attack names")
    parser.add_argument("--attack-timeout", type=float, default=40.0)
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(ATTACKS)
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="kubelab-attack-") as tmp:
        sim = start_sim(Path(tmp))
        try:
            run = [*sim.kubectl(), "run", "bb", "--image=busybox", "--restart=Never"]
            subprocess.run([*run, "--", "sleep", "3600"], env=sim.env, check=True, timeout=60)
            wait = [*sim.kubectl(), "wait", "--for=condition=Ready", "pod/bb", "--timeout=60s"]
            subprocess.run(wait, env=sim.env, check=True, timeout=90, capture_output=True)
            poller = Poller(sim)
            poller.start()
            time.sleep(3)
            base = [ms for ms, _ in poller.window(0, time.monotonic())]
            print(
                f"{'no attack':10} p50 {percentile(base, 0.5):7.1f} ms  p99 "
                f"{percentile(base, 0.99):7.1f} ms  ({len(base)} requests)"
            )
            for name in names:
                rss_before = sim.rss_mb()
                start = time.monotonic()
                limit = min(args.attack_timeout, 10.0) if name == "loop" else args.attack_timeout
                outcome = ATTACKS[name](sim, limit)
                end = time.monotonic()
                time.sleep(0.5)
                samples = poller.window(start, end)
                ms = [m for m, _ in samples]
                failed = sum(1 for _, ok in samples if not ok)
                print(
                    f"{name:10} p50 {percentile(ms, 0.5):7.1f} ms  p99 {percentile(ms, 0.99):7.1f}"
                    f" ms  max {max(ms, default=float('nan')):7.1f} ms  ({len(ms)} requests, "
                    f"{failed} failed)  attack {end - start:5.1f} s: {outcome}; "
                    f"sim RSS {rss_before:.0f} -> {sim.rss_mb():.0f} MB",
                    flush=True,
                )
            poller.stopping.set()
            poller.join(timeout=REQUEST_TIMEOUT + 1)
            print(f"simulator still running: {sim.process.poll() is None}")
        finally:
            sim.process.send_signal(signal.SIGTERM)
            try:
                sim.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                sim.process.kill()
                sim.process.wait()


if __name__ == "__main__":
    main()
