"""Grading speed: one step with six checks (assert, endpoints, env, dns, http, exec) graded by
kubelab, and the same six checks as a Killercoda-style bash verify script (one kubectl invocation
per check), against the same simulator in the same run. Prints both times and their ratio.

Target (issue 6): kubelab at least 5x faster than the script; one step under 200 ms.

Also the reaction time: a check is failing and polling; the Service is fixed after 2.0-2.5 s (the
poll interval has grown to its 0.5 s cap by then; the fix times spread over one interval); how long
until the grader sees it pass, with the engine's watches (a watch event ends the wait) and with
polling alone.

    .venv/bin/python bench/grading_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, cast

from kubelab.cluster.base import LabCluster
from kubelab.cluster.client import KubeClient
from kubelab.grading.context import CheckContext, make_context
from kubelab.grading.engine import run_checks
from kubelab.grading.probe import ensure_probe
from kubelab.lessons.checks.base import CheckBase
from kubelab.lessons.model import Step

KUBECTL = Path(sys.executable).parent / "kubectl"
WAIT = 60.0

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx"}},
    "spec": {"selector": {"run": "my-nginx"}, "ports": [{"port": 80, "protocol": "TCP"}]},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "my-nginx"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"run": "my-nginx"}},
        "template": {
            "metadata": {"labels": {"run": "my-nginx"}},
            "spec": {
                "containers": [
                    {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                ]
            },
        },
    },
}

STEP = {
    "id": "bench",
    "title": "six checks",
    "body": "benchmark",
    "solution": {},
    "checks": [
        {
            "name": "assert: the Service selects run=my-nginx",
            "explain": "-",
            "kind": "assert",
            "object": {"kind": "Service", "name": "my-nginx"},
            "match": {"spec": {"selector": {"run": "my-nginx"}}},
        },
        {
            "name": "endpoints: two ready endpoints",
            "explain": "-",
            "kind": "endpoints",
            "service": "my-nginx",
            "ready": 2,
        },
        {
            "name": "env: MY_NGINX_SERVICE_HOST is the clusterIP",
            "explain": "-",
            "kind": "env",
            "pod": {"selector": {"run": "my-nginx"}},
            "variable": "MY_NGINX_SERVICE_HOST",
            "equals": {"from": {"kind": "Service", "name": "my-nginx"}, "path": "spec.clusterIP"},
        },
        {
            "name": "dns: my-nginx resolves to the clusterIP",
            "explain": "-",
            "kind": "dns",
            "query": "my-nginx",
            "expect": {
                "addresses": {
                    "from": {"kind": "Service", "name": "my-nginx"},
                    "path": "spec.clusterIP",
                }
            },
        },
        {
            "name": "http: nginx answers through the Service",
            "explain": "-",
            "kind": "http",
            "url": "http://my-nginx",
            "expect": {"body_contains": ["Welcome to nginx!"]},
        },
        {
            "name": "exec: the pod's resolv.conf searches the namespace",
            "explain": "-",
            "kind": "exec",
            "pod": {"selector": {"run": "my-nginx"}},
            "command": ["cat", "/etc/resolv.conf"],
            "expect": {"stdout_contains": ["svc.cluster.local"]},
        },
    ],
}

VERIFY_SCRIPT = r"""#!/usr/bin/env bash
# Killercoda-style verify.sh: one kubectl invocation per check, exit code gates the step.
set -eu  # as verify scripts do: a pipeline answers with its last command (grep)
[ -n "${VERBOSE:-}" ] && set -x
k() { "$KUBECTL" --cache-dir "$CACHE" -n "$NS" "$@"; }
k get svc my-nginx -o jsonpath='{.spec.selector.run}' | grep -x my-nginx >/dev/null
[ "$(k get endpointslices -l kubernetes.io/service-name=my-nginx \
     -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}{"\n"}{end}' | grep -c .)" = 2 ]
k exec deploy/my-nginx -- printenv MY_NGINX_SERVICE_HOST | grep . >/dev/null
k exec kubelab-probe -- nslookup my-nginx | grep Address >/dev/null
k exec kubelab-probe -- wget -qO- http://my-nginx | grep 'Welcome to nginx!' >/dev/null
k exec deploy/my-nginx -- cat /etc/resolv.conf | grep svc.cluster.local >/dev/null
"""


def start_sim(directory: Path) -> tuple[subprocess.Popen[bytes], Path]:
    kubeconfig = directory / "kubeconfig"
    log = (directory / "sim.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0",
         "--kubeconfig", str(kubeconfig), "--state", str(directory / "state.db")],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + WAIT
    while not kubeconfig.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the simulator did not start; see {directory / 'sim.log'}")
        time.sleep(0.02)
    return process, kubeconfig


def wait_ready(client: KubeClient, ctx: CheckContext, checks: list[CheckBase]) -> None:
    """Until the step passes once (pods Ready, endpoints published, probe pod running)."""
    ensure_probe(ctx)
    deadline = time.monotonic() + WAIT
    while True:
        results = run_checks(checks, ctx, poll=False)
        if all(r.status == "passed" for r in results):
            return
        if time.monotonic() > deadline:
            for r in results:
                print(f"  {r.status}: {r.name}: {r.message}", file=sys.stderr)
            raise SystemExit("the benchmark's step never passed on the simulator")
        time.sleep(0.1)


class PollingOnly:
    """The client without `watch`, so the engine can only poll (the "before" of the reaction)."""

    def __init__(self, client: KubeClient) -> None:
        self._client = client
        self.namespace = client.namespace

    def __getattr__(self, name: str) -> Any:
        if name == "watch":
            raise AttributeError(name)
        return getattr(self._client, name)


REACT_CHECK = {
    "name": "the Service selects run=fixed",
    "explain": "-",
    "kind": "assert",
    "object": {"kind": "Service", "name": "react"},
    "match": {"spec": {"selector": {"run": "fixed"}}},
    "timeout": 10,
}


def reaction(client: KubeClient, ctx: CheckContext, rounds: int) -> list[float]:
    """Seconds from the fix (a patch) to the end of grading, one per round."""
    check = cast("list[CheckBase]", Step.model_validate({**STEP, "checks": [REACT_CHECK]}).checks)
    times = []
    for index in range(rounds):
        broken = {"selector": {"run": "broken"}, "ports": [{"port": 80}]}
        client.apply({**SERVICE, "metadata": {"name": "react"}, "spec": broken})
        done: list[float] = []
        fixed_at: list[float] = []

        def grade(done: list[float] = done) -> None:
            results = run_checks(check, ctx)
            done.append(time.perf_counter())
            assert results[0].status == "passed", results[0].message

        worker = threading.Thread(target=grade)
        worker.start()
        # fixed at 2.0 s to 2.5 s: spread over one 0.5 s poll interval, so polling's phase is fair
        time.sleep(2.0 + 0.5 * index / rounds)
        fixed_at.append(time.perf_counter())
        client.patch("v1", "Service", "react", {"spec": {"selector": {"run": "fixed"}}})
        worker.join(timeout=15)
        assert done, "grading did not end"
        times.append(done[0] - fixed_at[0])
        client.delete("v1", "Service", "react")
    return times


def run_script(script: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"the verify script failed ({done.returncode}):\n{done.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="kubelab-bench-") as tmp:
        directory = Path(tmp)
        process, kubeconfig = start_sim(directory)
        try:
            namespace = f"bench-{secrets.token_hex(3)}"
            with KubeClient(kubeconfig, None, namespace) as client:
                client.ensure_namespace(namespace, {})
                client.create(SERVICE)  # before the pods, so they get its env vars
                client.create(DEPLOYMENT)
                lab = LabCluster("sim", "bench", kubeconfig, "kubelab-sim", namespace)
                ctx = make_context(client, namespace, {"namespace": namespace}, lab)
                step = Step.model_validate(STEP)
                checks = cast("list[CheckBase]", step.checks)
                wait_ready(client, ctx, checks)
                kubelab_times = []
                for _ in range(rounds):
                    started = time.perf_counter()
                    results = run_checks(checks, ctx)
                    kubelab_times.append(time.perf_counter() - started)
                    assert all(r.status == "passed" for r in results), results
                watched = reaction(client, ctx, rounds)
                polled_ctx = make_context(PollingOnly(client), namespace, ctx.bindings, lab)
                polled = reaction(client, polled_ctx, rounds)
            script = directory / "verify.sh"
            script.write_text(VERIFY_SCRIPT)
            env = {**os.environ, "KUBECONFIG": str(kubeconfig), "KUBECTL": str(KUBECTL),
                   "CACHE": str(directory / "cache"), "NS": namespace}  # fmt: skip
            run_script(script, env)  # warms kubectl's discovery cache, as a learner's would be
            script_times = []
            for _ in range(rounds):
                started = time.perf_counter()
                run_script(script, env)
                script_times.append(time.perf_counter() - started)
        finally:
            process.terminate()
            process.wait(timeout=10)
    ours = statistics.median(kubelab_times)
    theirs = statistics.median(script_times)
    print(f"one step, 6 checks, median of {rounds} rounds on the simulator")
    print(f"  kubelab (6 checks, concurrent):  {ours * 1000:8.1f} ms")
    print(f"  bash verify script (6 kubectl):  {theirs * 1000:8.1f} ms")
    print(f"  ratio:                           {theirs / ours:8.1f} x  (target >= 5x)")
    print(f"  kubelab step under 200 ms:       {'yes' if ours < 0.2 else 'no'}")
    print(f"a failing check fixed after 2-2.5 s: fix -> pass seen, median of {rounds} rounds")
    print(f"  with watches (event ends wait):  {statistics.median(watched) * 1000:8.1f} ms")
    print(f"  polling alone (0.5 s cap):       {statistics.median(polled) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
