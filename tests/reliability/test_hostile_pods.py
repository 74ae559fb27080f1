"""One pod's hostile commands cannot stall the simulator's API, and get busybox's answers.

Each test runs one of issue 15's reproductions through real `kubectl exec` against a busybox pod
while another client reads the API (`kubectl get namespaces`, with its own request timeout): the
reader is answered while the attack runs, and the attack ends with what busybox answers
(busybox's `shell/math.c`: 64-bit arithmetic; printf(3): widths; grep: no match). The figures
(latency while each attack runs, before and after) come from `bench/api_under_attack.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

POD = "hostile-bb"
KUBECTL = Path(sys.executable).parent / "kubectl"


@pytest.fixture(scope="module")
def pod(sim: Any) -> Iterator[str]:
    sim.kubectl("delete", "pod", POD, "--ignore-not-found", "--wait=true", timeout=60)
    sim.kubectl("run", POD, "--image=busybox", "--restart=Never", "--", "sleep", "3600", check=True)
    sim.kubectl("wait", "--for=condition=Ready", f"pod/{POD}", "--timeout=60s", check=True)
    yield POD
    sim.kubectl("delete", "pod", POD, "--wait=false")


class Reader(threading.Thread):
    """`kubectl get namespaces` in a loop, each with a 10 s request timeout."""

    def __init__(self, sim: Any) -> None:
        super().__init__(daemon=True)
        self.sim = sim
        self.answers: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            done = self.sim.kubectl("get", "namespaces", "--request-timeout=10s", timeout=30)
            self.answers.append(done.returncode)

    def __enter__(self) -> Reader:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.join(timeout=40)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks


def exec_sh(sim: Any, script: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return sim.kubectl("exec", POD, "--", "sh", "-c", script, timeout=timeout)


def test_a_catastrophic_regex_is_answered_at_once(sim: Any, pod: str) -> None:
    with Reader(sim) as reader:
        done = exec_sh(sim, "echo aaaaaaaaaaaaaaaaaaaaaaaaaaaa! | grep -E '^(a+)+$'; echo $?")
    assert done.stdout == "1\n", done.stderr
    assert reader.answers and set(reader.answers) == {0}


def test_a_huge_arithmetic_product_is_64_bit(sim: Any, pod: str) -> None:
    with Reader(sim) as reader:
        done = exec_sh(sim, "echo $(( ((1<<30000000)-1)*((1<<30000000)-3) ))")
    assert (done.stdout, done.returncode) == ("0\n", 0), done.stderr
    assert reader.answers and set(reader.answers) == {0}


def test_a_negative_shift_is_busyboxs_answer(sim: Any, pod: str) -> None:
    done = exec_sh(sim, "echo $((1<<-1))")
    assert (done.stdout, done.stderr, done.returncode) == ("-9223372036854775808\n", "", 0)


def test_unbounded_recursion_ends_at_the_call_depth_limit(sim: Any, pod: str) -> None:
    done = exec_sh(sim, "f() { f; }; f; echo after")
    assert (done.stdout, done.returncode) == ("", 2), done.stderr
    assert done.stderr.startswith("sh: function nesting too deep\n"), done.stderr


def test_a_huge_printf_width_streams_in_bounded_memory(sim: Any, pod: str) -> None:
    before = rss_kib(sim.process.pid)
    command = [
        *sim_kubectl(sim),
        "exec",
        POD,
        "--",
        "printf",
        "%400000000s",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=sim.env)
    assert process.stdout is not None
    total = 0
    peak = before
    with Reader(sim) as reader:
        while chunk := process.stdout.read(1 << 20):
            total += len(chunk)
            if total % (50 << 20) < (1 << 20):
                peak = max(peak, rss_kib(sim.process.pid))
        assert process.wait(timeout=120) == 0
    assert total == 400_000_000
    assert peak - before < 100 * 1024  # KiB: the 400 MB went out in frames, never held whole
    assert reader.answers and set(reader.answers) == {0}


def sim_kubectl(sim: Any) -> list[str]:
    return [str(KUBECTL), "--kubeconfig", str(sim.kubeconfig), "--cache-dir", str(sim.cache_dir)]


def test_unread_stdin_waits_for_the_reader_and_stops_with_the_client(sim: Any, pod: str) -> None:
    """`head -c 100M /dev/zero | kubectl exec -i bb -- sleep 30`: the client's writes wait (the
    program reads nothing), the simulator neither buffers them nor spins, and killing the
    client ends the session."""
    command = [*sim_kubectl(sim), "exec", "-i", POD, "--", "sleep", "30"]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None
    sent = [0]

    def feed() -> None:
        assert process.stdin is not None
        chunk = b"\0" * (1 << 20)
        try:
            for _ in range(100):
                process.stdin.write(chunk)
                sent[0] += len(chunk)
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    rss_before = rss_kib(sim.process.pid)
    feeder.start()
    time.sleep(4)
    cpu_before = cpu_seconds(sim.process.pid)
    time.sleep(3)
    busy = cpu_seconds(sim.process.pid) - cpu_before
    assert sent[0] < 40 << 20, "the client's writes should wait for the program to read"
    assert rss_kib(sim.process.pid) - rss_before < 50 * 1024
    assert busy < 1.5, f"the simulator used {busy:.1f} s of CPU in 3 s for an idle session"
    process.kill()
    process.wait(timeout=10)
    feeder.join(timeout=10)
    done = sim.kubectl("get", "namespaces", "--request-timeout=10s")
    assert done.returncode == 0


def test_a_self_copying_json_patch_is_refused_at_the_copy_limit(sim: Any) -> None:
    name = f"patchme-{int(time.time() * 1000) % 100000}"
    sim.kubectl("create", "configmap", name, "--from-literal=x=y", check=True)
    ops: list[dict[str, Any]] = [{"op": "add", "path": "/x", "value": ["a" * 16]}]
    ops += [{"op": "copy", "from": "/x", "path": "/x/-"} for _ in range(22)]
    assert len(json.dumps(ops)) < 1400  # the 1.3 KB patch
    with Reader(sim) as reader:
        done = sim.kubectl("patch", "configmap", name, "--type=json", "-p", json.dumps(ops))
    assert done.returncode == 1
    assert "accumulated size increase of copy" in done.stderr, done.stderr
    assert done.stderr.startswith("The request is invalid: "), done.stderr  # 422
    kept = sim.kubectl("get", "configmap", name, "-o", "json", check=True)
    assert json.loads(kept.stdout)["data"] == {"x": "y"}
    assert reader.answers and set(reader.answers) == {0}
