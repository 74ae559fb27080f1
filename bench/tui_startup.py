"""Cold start of `kubelab` (the TUI) to its first interactive frame, on the simulator.

Runs the real `kubelab --cluster sim` in a pseudo-terminal (80x24) with a fresh state dir, reads
the screen through a terminal emulator (pyte) and times, from spawn:
  - first frame: the home screen is drawn and takes keys (the lesson list is on screen);
  - cluster ready: the cluster panel says "✔ ready".
The first run starts the simulator (cold); later runs reuse it, as a learner's second launch does.
Each milestone is also given in CPU seconds kubelab's process had used by then (Linux: from
/proc), a figure a busy shared machine disturbs far less than the wall clock.
Prints the figures; asserts nothing.

    .venv/bin/python bench/tui_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect
import pyte

COLS, ROWS = 80, 24


def kubelab_argv() -> list[str]:
    script = Path(sys.executable).parent / "kubelab"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "kubelab"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` so far (0 where /proc is not there)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


Run = tuple[float, float, float, float, float, float]
"""(first frame, listed, ready) in wall seconds, then the same in CPU seconds."""


def one_run(env: dict[str, str], cwd: Path, timeout: float = 60.0) -> Run:
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.ByteStream(screen)
    started = time.perf_counter()
    argv = [*kubelab_argv(), "--cluster", "sim"]
    child = pexpect.spawn(argv[0], argv[1:], cwd=str(cwd), env=env, dimensions=(ROWS, COLS))
    first_frame = listed = ready = 0.0
    cpu = [0.0, 0.0, 0.0]
    try:
        while time.perf_counter() - started < timeout:
            with contextlib.suppress(pexpect.TIMEOUT):
                stream.feed(child.read_nonblocking(65536, timeout=0.01))
            text = "\n".join(screen.display)
            now = time.perf_counter() - started
            if not first_frame and "kubelab" in text and "Lab cluster" in text:
                first_frame, cpu[0] = now, cpu_seconds(child.pid)
            if not listed and " 01 " in text:
                listed, cpu[1] = now, cpu_seconds(child.pid)
            if not ready and "✔ ready" in text:
                ready, cpu[2] = now, cpu_seconds(child.pid)
            if first_frame and listed and ready:
                break
        else:
            raise SystemExit(f"timed out; the screen shows:\n{chr(10).join(screen.display)}")
        child.send("\x11")  # ctrl+q
        child.expect(pexpect.EOF, timeout=30)
    finally:
        if child.isalive():
            child.terminate(force=True)
    return first_frame, listed, ready, cpu[0], cpu[1], cpu[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubelab-bench-") as tmp:
        root = Path(tmp)
        env = dict(os.environ)
        env.update(
            HOME=str(root / "home"),
            KUBELAB_STATE_DIR=str(root / "state"),
            KUBECACHEDIR=str(root / "cache"),
            TERM="xterm-256color",
        )
        for name in ("KUBECONFIG", "KUBELAB_CLUSTER", "KUBELAB_KEYS"):
            env.pop(name, None)
        results = []
        try:
            for index in range(args.runs):
                run = one_run(env, root)
                label = "cold: starts the simulator" if index == 0 else "simulator running"
                print(
                    f"run {index + 1}: first frame {run[0]:.3f}s, lessons listed {run[1]:.3f}s, "
                    f"cluster ready {run[2]:.3f}s  [{label}]; CPU {run[3]:.2f}/{run[4]:.2f}/"
                    f"{run[5]:.2f}s"
                )
                results.append(run)
        finally:
            subprocess.run(
                [*kubelab_argv(), "down", "--cluster", "sim"],
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
    firsts = [r[0] for r in results]
    listed = [r[1] for r in results]
    readies = [r[2] for r in results[1:]] or [results[0][2]]
    print(
        f"first interactive frame: median {statistics.median(firsts):.3f}s, "
        f"min {min(firsts):.3f}s, max {max(firsts):.3f}s over {len(firsts)} runs"
    )
    print(f"lessons listed: median {statistics.median(listed):.3f}s")
    print(f"cluster ready, simulator already running: median {statistics.median(readies):.3f}s")
    print(f"cluster ready, cold (simulator started): {results[0][2]:.3f}s")
    warm = results[1:] or results
    print(
        "CPU seconds used by then (medians): "
        f"first frame {statistics.median(r[3] for r in results):.2f}, "
        f"lessons listed {statistics.median(r[4] for r in results):.2f}, "
        f"cluster ready (simulator running) {statistics.median(r[5] for r in warm):.2f}"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
