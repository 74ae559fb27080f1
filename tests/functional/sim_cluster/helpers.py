"""Polling helpers for tests against the simulator (every wait has a timeout)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Call `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or check}: {last!r}")


def get_json(kubectl: Kubectl, *args: str) -> Any:
    result = kubectl("get", *args, "-o", "json", check=True)
    return json.loads(result.stdout)


def host_ports(kubectl: Kubectl, ns: str, name: str) -> list[dict[str, Any]]:
    """Where the simulator serves the Service's ports on the host: its own listing at
    /kubelab.dev/v1/host-ports (out of band, nothing is added to the Service)."""
    listing = json.loads(kubectl("get", "--raw", "/kubelab.dev/v1/host-ports", check=True).stdout)
    for item in listing["items"]:
        if (item["namespace"], item["name"]) == (ns, name):
            return list(item["ports"])
    return []


def apply(kubectl: Kubectl, manifest: str, *args: str) -> subprocess.CompletedProcess[str]:
    return kubectl("apply", "-f", "-", *args, input=manifest)


def namespace(kubectl: Kubectl, name: str) -> str:
    kubectl("create", "namespace", name, check=True)
    return name


def deployment(name: str, label: str, replicas: int = 2, image: str = "nginx") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      run: {label}
  replicas: {replicas}
  template:
    metadata:
      labels:
        run: {label}
    spec:
      containers:
      - name: {name}
        image: {image}
        ports:
        - containerPort: 80
"""


def running_pods(kubectl: Kubectl, ns: str, selector: str, count: int) -> list[dict[str, Any]]:
    def check() -> list[dict[str, Any]] | None:
        pods = get_json(kubectl, "pods", "-n", ns, "-l", selector)["items"]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        ready = [
            p
            for p in live
            if p.get("status", {}).get("phase") == "Running"
            and all(cs.get("ready") for cs in p["status"].get("containerStatuses", []))
        ]
        return ready if len(ready) == count and len(live) == count else None

    return wait_for(check, 15.0, f"{count} running pods {selector} in {ns}")
