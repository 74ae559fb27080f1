"""Background processes kubelab owns (the simulator, cloud-provider-kind): start detached with a
pidfile and a log file, check whether they still run, stop them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def pid_alive(pid: int) -> bool:
    """True when process `pid` runs (a zombie child is reaped and counts as gone)."""
    if pid <= 0:
        return False
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[-1].split()
            if fields and fields[0] == "Z":
                return False
    return True


def cmdline(pid: int) -> list[str] | None:
    """The command line of `pid` where /proc tells it (None when unknown)."""
    path = Path(f"/proc/{pid}/cmdline")
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def owned_pid(pidfile: Path, marker: Sequence[str]) -> int | None:
    """The pid in `pidfile` if that process runs and (where /proc tells) its command line
    contains every string in `marker`, so a recycled pid is never mistaken for ours."""
    pid = read_pid(pidfile)
    if pid is None or not pid_alive(pid):
        return None
    argv = cmdline(pid)
    if argv is not None and not all(
        any(arg == m or arg.endswith(f"/{m}") for arg in argv) for m in marker
    ):
        return None
    return pid


def find_running(program: str) -> int | None:
    """The pid of a running process whose program (argv[0]'s file name) is `program`, found
    through /proc (None where there is no /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        argv = cmdline(int(entry.name))
        if argv and Path(argv[0]).name == program and pid_alive(int(entry.name)):
            return int(entry.name)
    return None


def start_detached(argv: Sequence[str], *, pidfile: Path, logfile: Path) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session (it outlives this process), output appended to `logfile`,
    its pid written to `pidfile`."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as log:
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            cwd=str(pidfile.parent),
        )
    pidfile.write_text(f"{process.pid}\n")
    return process


def stop(pid: int, *, timeout: float = 10.0) -> bool:
    """SIGTERM `pid`, wait up to `timeout` seconds, then SIGKILL. True if it was running."""
    if not pid_alive(pid):
        return False
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, kill)
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    return True


def log_tail(logfile: Path, lines: int = 15) -> str:
    try:
        text = logfile.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"
