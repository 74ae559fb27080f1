"""Scale of the simulated cluster: N Services with 3 pods each (N = 10, 100, 1000).

For each N, on a fresh `kubelab sim serve --nodes M` (enough workers for 110 pods each):
apply N Deployments (3 replicas) and N Services, ten per namespace (one namespace with 1,000
Services would give every pod 7,000 Service environment variables, as on a real cluster),
with real kubectl (`kubectl create -f`), then report
- apply: how long kubectl took to create the 2N objects,
- ready: time from the start of the apply until every Service has 3 ready endpoints
  (EndpointSlices), and how long after kubectl returned,
- get pods -A: the latency of `kubectl get pods -A` (median of 3) with 3N + system pods,
- memory: the server's resident set size.
Targets (issue 4): all ready within 1 s at 100 Services; `get pods -A` with 3,000 pods under
1 s; under 300 MB.

    .venv/bin/python bench/sim_scale.py [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

KUBECTL = Path(sys.executable).parent / "kubectl"
ROOT = Path(__file__).resolve().parent.parent


PER_NAMESPACE = 10


def namespace_of(i: int) -> str:
    return f"bench-{i // PER_NAMESPACE:03d}"


def manifest(count: int) -> str:
    docs = [
        f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace_of(i)}\n"
        for i in range(0, count, PER_NAMESPACE)
    ]
    for i in range(count):
        name = f"svc-{i:04d}"
        docs.append(
            f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace_of(i)}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: web
        image: nginx
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace_of(i)}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
"""
        )
    return "---\n".join(docs)


class Server:
    def __init__(self, directory: Path, nodes: int) -> None:
        self.kubeconfig = directory / "kubeconfig"
        self.cache = directory / "cache"
        self.log = (directory / "sim.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0",
             "--kubeconfig", str(self.kubeconfig), "--nodes", str(nodes)],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not self.kubeconfig.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the simulator did not start (see its log)")
            time.sleep(0.02)
        text = self.kubeconfig.read_text()
        self.url = _field(text, "server:")
        self.token = _field(text, "token:")
        ca = base64.b64decode(_field(text, "certificate-authority-data:"))
        self.ssl = ssl.create_default_context(cadata=ca.decode())
        self.ssl.check_hostname = False

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache),
             *args],
            input=stdin, capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    def get(self, path: str) -> Any:
        request = urllib.request.Request(
            self.url + path, headers={"Authorization": f"Bearer {self.token}"}
        )
        with urllib.request.urlopen(request, context=self.ssl, timeout=30) as response:
            return json.loads(response.read())

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def _field(text: str, key: str) -> str:
    for line in text.splitlines():
        if line.strip().startswith(key):
            return line.split(key, 1)[1].strip()
    raise SystemExit(f"no {key} in the kubeconfig")


def ready_services(server: Server, count: int) -> int:
    slices = server.get("/apis/discovery.k8s.io/v1/endpointslices")["items"]
    ready: dict[str, int] = {}
    for item in slices:
        service = item["metadata"].get("labels", {}).get("kubernetes.io/service-name", "")
        for endpoint in item.get("endpoints") or []:
            if endpoint.get("conditions", {}).get("ready"):
                ready[service] = ready.get(service, 0) + 1
    return sum(1 for i in range(count) if ready.get(f"svc-{i:04d}") == 3)


def run(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        # 110 pods fit on a node (as on kind): enough workers for 3 pods per Service
        server = Server(Path(tmp), nodes=1 + max(2, math.ceil(3 * count / 100)))
        try:
            path = Path(tmp) / "objects.yaml"
            path.write_text(manifest(count))
            started = time.monotonic()
            result = server.kubectl("create", "-f", str(path))
            applied = time.monotonic()
            if result.returncode != 0:
                raise SystemExit(f"kubectl create failed: {result.stderr[-2000:]}")
            deadline = applied + 120
            while ready_services(server, count) < count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{count} Services not ready after 120 s")
                time.sleep(0.02)
            ready = time.monotonic()
            times = []
            for _ in range(3):
                t0 = time.monotonic()
                out = server.kubectl("get", "pods", "-A")
                times.append(time.monotonic() - t0)
                if out.returncode != 0:
                    raise SystemExit(out.stderr)
            pods = len(out.stdout.splitlines()) - 1
            return {
                "services": count,
                "pods": pods,
                "apply_s": applied - started,
                "ready_s": ready - started,
                "ready_after_apply_s": ready - applied,
                "get_pods_s": statistics.median(times),
                "rss_mb": server.rss_mb(),
            }
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    print(f"{'services':>8} {'pods':>6} {'apply':>8} {'ready':>8} {'after apply':>12} "
          f"{'get pods -A':>12} {'server RSS':>11}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",") if s):
        r = run(size)
        print(
            f"{r['services']:>8.0f} {r['pods']:>6.0f} {r['apply_s']:>7.2f}s {r['ready_s']:>7.2f}s "
            f"{r['ready_after_apply_s']:>11.2f}s {r['get_pods_s']:>11.2f}s {r['rss_mb']:>8.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
