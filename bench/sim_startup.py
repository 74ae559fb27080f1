"""Benchmark: start-to-ready time of `kubelab sim serve`, and `kubectl get svc` against it
relative to `kubectl version --client` (no server round trip) in the same run.

Targets (issue 3): ready < 0.5 s; ratio < 1.5. Run: `.venv/bin/python bench/sim_startup.py`.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KUBECTL = Path(sys.executable).parent / "kubectl"
ROOT = Path(__file__).resolve().parent.parent


def start(
    directory: Path, state: Path | None = None
) -> tuple[subprocess.Popen[bytes], Path, float]:
    kubeconfig = directory / "kubeconfig"
    if kubeconfig.exists():
        kubeconfig.unlink()
    extra = ["--state", str(state)] if state else []
    began = time.perf_counter()
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
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = began + 30
    while not kubeconfig.exists():
        if process.poll() is not None or time.perf_counter() > deadline:
            process.kill()
            raise SystemExit("kubelab sim serve did not become ready")
        time.sleep(0.002)
    return process, kubeconfig, time.perf_counter() - began


def timed(cmd: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=60
    )
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--starts", type=int, default=5, help="server starts to time")
    parser.add_argument("--runs", type=int, default=10, help="kubectl runs of each command")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubelab-bench-") as tmp:
        directory = Path(tmp)
        env = dict(os.environ, HOME=tmp)
        ready: list[float] = []
        for _ in range(args.starts):
            process, _, seconds = start(directory)
            ready.append(seconds)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        # As kubelab's sim provider starts it: with a state file (restarts reuse the state and
        # the serving certificate kept beside it).
        restarted: list[float] = []
        for _ in range(args.starts + 1):
            process, _, seconds = start(directory, directory / "state.db")
            restarted.append(seconds)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
        restarted = restarted[1:]  # the first start creates the state
        process, kubeconfig, _ = start(directory)
        try:
            base = [
                str(KUBECTL),
                "--kubeconfig",
                str(kubeconfig),
                "--cache-dir",
                str(directory / "cache"),
            ]
            timed([*base, "get", "svc"], env)  # fills the discovery cache
            get_svc: list[float] = []
            version: list[float] = []
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                version.append(timed([str(KUBECTL), "version", "--client"], env))
                get_svc.append(timed([*base, "get", "svc"], env))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
    print(
        f"start-to-ready (kubeconfig written), median of {args.starts}: "
        f"{statistics.median(ready) * 1000:.0f} ms (min {min(ready) * 1000:.0f} ms, "
        f"max {max(ready) * 1000:.0f} ms); target < 500 ms"
    )
    print(
        f"restart-to-ready with --state, median of {args.starts}: "
        f"{statistics.median(restarted) * 1000:.0f} ms (min {min(restarted) * 1000:.0f} ms)"
    )
    v = statistics.median(version)
    g = statistics.median(get_svc)
    print(f"kubectl version --client, median of {args.runs}: {v * 1000:.0f} ms")
    print(f"kubectl get svc,          median of {args.runs}: {g * 1000:.0f} ms")
    print(f"ratio get svc / version --client: {g / v:.2f}; target < 1.5")


if __name__ == "__main__":
    main()
