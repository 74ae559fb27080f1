"""Classroom load: N learners (default 30), each in a namespace of their own, run a whole lesson at
the same time against ONE simulator, through real kubectl and kubelab's grader, while a watcher
per learner (`kubectl get pods,services -w`) streams their namespace.

Each learner (odd ones start once an even one has done the first step: a classroom is never in
lockstep): creates their namespace, applies the lesson's setup with `kubectl apply`, then for
every step looks around (`kubectl get pods,services`), checks the step once before doing it (it
fails, with a diagnosis), does the step's solution with kubectl (`kubectl apply -f`, the
solution's kubectl commands) and grades the step with kubelab's grader (`grade_step`, polling
until the checks pass or time out).

Reported:
- the time requests spent inside the simulator's handlers (its `GET /metrics`), beside
- API latency as the clients see it, p50/p95/p99/max: kubectl's requests (from its `-v=6`
  round-tripper log) and the grader's requests (timed around each API call), and both together;
- errors: kubectl commands that failed, grader requests that failed, steps that did not pass,
  anything raised (must all be 0);
- grading time per learner (all of the lesson's steps) and per step: p50/p95/max;
  the machine's CPU count and load average, and the simulator's own CPU time, are printed too:
  kubectl processes, watchers, the grader and the simulator share the CPUs, so a loaded machine
  shows in every figure (a simulator far from a full core means the latency is CPU queueing,
  not the server);
- leakage: every request of a learner's grader and kubectl names the learner's namespace (or
  none), every watched event is in the watcher's namespace, and no message or diagnosis of a
  learner's grade names another learner's namespace.
Target (issue 9): p95 under 50 ms, no error, no leakage. Exit status 1 when an error or a leak
was seen.

    .venv/bin/python bench/classroom_load.py [--learners 30] [--lesson clusterip-service]

Bounded: everything stops after --timeout seconds (default 600); loopback only.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kubelab.cluster.base import LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.engine import grade_step
from kubelab.lessons.loader import LoadedLesson, load_course
from kubelab.lessons.manifests import read_manifest_docs
from kubelab.lessons.render import substitute

KUBECTL = Path(sys.executable).parent / "kubectl"
ROOT = Path(__file__).resolve().parent.parent
RESPONSE = re.compile(r'"Response" verb="(\w+)" url="([^"]+)" status="([^"]*)" milliseconds=(\d+)')
NAMESPACED_PATH = re.compile(r"/namespaces/([^/?]+)/")
LEARNER_NS = re.compile(r"learner-\d\d")
MANAGED = "app.kubernetes.io/managed-by=kubelab"


@dataclass
class Learner:
    index: int
    namespace: str
    workdir: Path
    kubectl_ms: list[float] = field(default_factory=list)
    kubectl_first_ms: list[float] = field(default_factory=list)  # each kubectl's first request
    grader_ms: list[float] = field(default_factory=list)
    step_seconds: list[float] = field(default_factory=list)
    grading_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)


class TimedClient(KubeClient):
    """The grader's client, timing every API request and recording which namespaces it names."""

    def __init__(self, learner: Learner, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.learner = learner
        self._timing_lock = threading.Lock()

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        match = NAMESPACED_PATH.search(path + "/")
        if match and match.group(1) != self.learner.namespace:
            self.learner.leaks.append(f"grader {method} {path}")
        started = time.perf_counter()
        try:
            return super()._send(method, path, **kwargs)
        except Exception as exc:
            status = getattr(exc, "status_code", None)
            if status != 404:  # "not there yet" is an answer a polling check expects
                self.learner.errors.append(f"grader {method} {path}: {exc}")
            raise
        finally:
            with self._timing_lock:
                self.learner.grader_ms.append((time.perf_counter() - started) * 1000)


class Watcher:
    """`kubectl get KIND -w -n NS` printing each event's namespace and name, read by a thread."""

    def __init__(self, run: Run, learner: Learner, kind: str) -> None:
        self.kind = kind
        self.lines: list[list[str]] = []
        self.seen = threading.Condition()
        self.process = subprocess.Popen(
            [str(KUBECTL), f"--kubeconfig={run.kubeconfig}",
             f"--cache-dir={learner.workdir / ('cache-' + kind)}", "get", kind, "-w",
             "-n", learner.namespace, "--no-headers",
             "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            text=True, env={**os.environ, "HOME": str(learner.workdir)},
        )  # fmt: skip
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                with self.seen:
                    self.lines.append(line.split())
                    self.seen.notify_all()

    def wait_for(self, name: str, timeout: float) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: any(name in p for p in self.lines), timeout)

    def stop(self) -> list[list[str]]:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.reader.join(timeout=10)
        return self.lines


def start_simulator(directory: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], Path]:
    kubeconfig = directory / "kubeconfig"
    log = (directory / "sim.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0", "--kubeconfig",
         str(kubeconfig)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while not kubeconfig.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the simulator did not start: see {directory / 'sim.log'}")
        time.sleep(0.05)
    return process, kubeconfig


class Run:
    def __init__(self, kubeconfig: Path, loaded: LoadedLesson, deadline: float) -> None:
        self.kubeconfig = kubeconfig
        self.loaded = loaded
        self.deadline = deadline
        self.barrier: threading.Barrier | None = None
        # a classroom is never in lockstep: odd learners start once an even one has done step 1
        self.ahead = threading.Event()

    def kubectl(
        self, learner: Learner, args: Sequence[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        timeout = max(1.0, self.deadline - time.monotonic())
        done = subprocess.run(
            [str(KUBECTL), f"--kubeconfig={self.kubeconfig}",
             f"--cache-dir={learner.workdir / 'cache'}", "-v=6", *args],
            capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "HOME": str(learner.workdir)},
        )  # fmt: skip
        for n, match in enumerate(RESPONSE.finditer(done.stderr)):
            verb, url, status, millis = match.groups()
            learner.kubectl_ms.append(float(millis))
            if n == 0:  # it includes starting the connection (TCP + TLS handshake)
                learner.kubectl_first_ms.append(float(millis))
            found = NAMESPACED_PATH.search(url.split("?")[0] + "/")
            if found and found.group(1) != learner.namespace:
                learner.leaks.append(f"kubectl {verb} {url}")
            if not status or status[0] == "5":  # a 4xx is an answer; the exit code judges it
                learner.errors.append(f"kubectl {' '.join(args)}: {verb} {url} -> {status}")
        if check and done.returncode != 0:
            learner.errors.append(
                f"kubectl {' '.join(args)} exited {done.returncode}: "
                f"{done.stderr.strip().splitlines()[-1:]}"
            )
        return done

    def apply_manifests(self, learner: Learner, refs: list[str], bindings: dict[str, Any]) -> None:
        for i, rel in enumerate(refs):
            docs = read_manifest_docs(self.loaded.manifest_path(rel), bindings)
            path = learner.workdir / f"{time.monotonic_ns()}-{i}.yaml"
            path.write_text(yaml.safe_dump_all(docs))
            self.kubectl(learner, ["apply", "-n", learner.namespace, "-f", str(path)])

    def learn(self, learner: Learner) -> None:
        lesson = self.loaded.lesson
        bindings: dict[str, Any] = {"namespace": learner.namespace}
        lab = LabCluster(
            provider="sim", name="classroom", kubeconfig=self.kubeconfig,
            context="kubelab-sim", namespace=learner.namespace,
            capabilities=frozenset({"nodeport-from-host", "loadbalancer", "multi-node"}),
            nodeport_host="127.0.0.1",
        )  # fmt: skip
        # the lab namespace as `kubelab up --namespace` makes it: labelled as kubelab's
        self.kubectl(learner, ["create", "namespace", learner.namespace])
        self.kubectl(learner, ["label", "namespace", learner.namespace, MANAGED])
        # a marker Service first: the Service watcher's first line (its initial list) shows that
        # it is up before the learner starts
        self.kubectl(learner, ["create", "service", "clusterip", "marker", "--tcp=1:1",
                               "-n", learner.namespace])  # fmt: skip
        watchers = [Watcher(self, learner, kind) for kind in ("pods", "services")]
        if not watchers[1].wait_for("marker", timeout=max(1.0, self.deadline - time.monotonic())):
            learner.errors.append("the Service watcher did not start")
        assert self.barrier is not None
        self.barrier.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        client = TimedClient(learner, self.kubeconfig, None, learner.namespace)
        if learner.index % 2:
            self.ahead.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        try:
            self.apply_manifests(learner, list(lesson.setup.manifests), bindings)
            for argv in lesson.setup.commands:
                self.kubectl(learner, [substitute(a, bindings) for a in argv[1:]]
                             + ["-n", learner.namespace])  # fmt: skip
            for step in lesson.steps:
                self.kubectl(learner, ["get", "pods,services", "-n", learner.namespace])
                # a first check before the work, as learners do: its failure and diagnosis must
                # speak of this learner's namespace only
                early = grade_step(lab, self.loaded, step.id, bindings, client, poll=False)
                for check in early.checks:
                    for text in (check.message, *check.diagnosis, check.diff or ""):
                        others = set(LEARNER_NS.findall(text)) - {learner.namespace}
                        if others:
                            learner.leaks.append(f"grade of {step.id} names {sorted(others)}: "
                                                 f"{text[:160]}")  # fmt: skip
                self.apply_manifests(learner, list(step.solution.manifests), bindings)
                for argv in step.solution.commands:
                    self.kubectl(learner, [substitute(a, bindings) for a in argv[1:]]
                                 + ["-n", learner.namespace])  # fmt: skip
                started = time.perf_counter()
                result = grade_step(lab, self.loaded, step.id, bindings, client, poll=True)
                took = time.perf_counter() - started
                learner.step_seconds.append(took)
                learner.grading_seconds += took
                if not learner.index % 2:
                    self.ahead.set()
                if not result.passed:
                    bad = [f"{c.name}: {c.status}: {c.message}" for c in result.checks
                           if c.status != "passed"]  # fmt: skip
                    learner.errors.append(f"step {step.id} did not pass: {bad}")
        except Exception as exc:  # a crash is an error of the run, reported with the others
            learner.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            client.close()
            for watcher in watchers:
                lines = watcher.stop()
                if not lines:
                    learner.errors.append(f"the {watcher.kind} watcher saw no event")
                for parts in lines:
                    if parts[0] != learner.namespace:
                        learner.leaks.append(f"{watcher.kind} watcher saw {' '.join(parts)}")
            self.kubectl(learner, ["delete", "namespace", learner.namespace, "--wait=false"])


def handler_quantiles(kubeconfig: Path) -> dict[str, float]:
    """The simulator's own handler-time quantiles (`GET /metrics`, kubelab_sim_request_handler_
    seconds): the time requests spent inside the server, beside the clients' latency."""
    config = yaml.safe_load(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    context = ssl.create_default_context(
        cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
    )
    request = urllib.request.Request(
        cluster["server"] + "/metrics",
        headers={"Authorization": f"Bearer {config['users'][0]['user']['token']}"},
    )
    with urllib.request.urlopen(request, timeout=30, context=context) as response:
        text = response.read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        match = re.match(
            r'kubelab_sim_request_handler_seconds(?:\{quantile="([^"]+)"\})?(_count)? (\S+)', line
        )
        if match and match.group(1):
            found[match.group(1)] = float(match.group(3))
        elif match and match.group(2):
            found["count"] = float(match.group(3))
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid` (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (f"p50 {pick(0.50):7.1f}  p95 {pick(0.95):7.1f}  p99 {pick(0.99):7.1f}  "
            f"max {ordered[-1]:7.1f}  (n={len(ordered)})")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--lesson", default="clusterip-service")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    course = load_course(None)
    loaded = course.find(args.lesson)
    if loaded is None:
        raise SystemExit(f"no lesson {args.lesson!r}")
    with tempfile.TemporaryDirectory(prefix="kubelab-classroom-") as temp:
        directory = Path(temp)
        process, kubeconfig = start_simulator(directory)
        handler: dict[str, float] = {}
        try:
            run = Run(kubeconfig, loaded, time.monotonic() + args.timeout)
            run.barrier = threading.Barrier(args.learners)
            learners = []
            for i in range(args.learners):
                workdir = directory / f"learner-{i:02d}"
                workdir.mkdir()
                learners.append(Learner(i, f"learner-{i:02d}", workdir))
            cpu_before = cpu_seconds(process.pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.learners) as pool:
                list(pool.map(run.learn, learners))
            wall = time.perf_counter() - started
            cpu_after = cpu_seconds(process.pid)
            handler = handler_quantiles(kubeconfig)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    kubectl_ms = [v for learner in learners for v in learner.kubectl_ms]
    grader_ms = [v for learner in learners for v in learner.grader_ms]
    errors = [f"{learner.namespace}: {e}" for learner in learners for e in learner.errors]
    leaks = [f"{learner.namespace}: {e}" for learner in learners for e in learner.leaks]
    print(f"classroom: {args.learners} learners x lesson {args.lesson} "
          f"({len(loaded.lesson.steps)} steps) on one simulator, {wall:.1f} s wall")  # fmt: skip
    print(f"API latency ms, kubectl : {percentiles(kubectl_ms)}")
    print(f"API latency ms, grader  : {percentiles(grader_ms)}")
    print(f"API latency ms, all     : {percentiles(kubectl_ms + grader_ms)}")
    if handler:
        shown = " / ".join(f"{handler[q] * 1000:.1f}" for q in ("0.5", "0.95", "0.99", "1"))
        print(f"server-side ms (inside the handler), p50/p95/p99/max: {shown} "
              f"over {int(handler['count'])} requests")  # fmt: skip
    firsts = [v for learner in learners for v in learner.kubectl_first_ms]
    print(f"  kubectl first requests (connection set-up): {percentiles(firsts)}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  machine: {os.cpu_count()} CPUs, load average {load:.1f} after the run")
    if cpu_before is not None and cpu_after is not None:
        busy = (cpu_after - cpu_before) / wall
        used = cpu_after - cpu_before
        print(f"  simulator CPU: {used:.1f} s in {wall:.1f} s ({busy:.0%} of a core)")
    print(f"grading s per learner   : {percentiles([lr.grading_seconds for lr in learners])}")
    print(f"grading s per step      : "
          f"{percentiles([s for lr in learners for s in lr.step_seconds])}")  # fmt: skip
    print(f"errors: {len(errors)}   cross-namespace leaks: {len(leaks)}")
    for line in (errors + leaks)[:20]:
        print(f"  {line}")
    return 1 if errors or leaks else 0


if __name__ == "__main__":
    sys.exit(main())
