"""Graceful termination through the real kubectl: a deleted Pod stays Terminating until its
containers have stopped. `sleep` as PID 1 ignores SIGTERM and runs until SIGKILL at the end of
the grace period; nginx exits on SIGTERM at once (pkg/kubelet/kuberuntime/
kuberuntime_container.go killContainer); `--force --grace-period=0` removes the Pod at once
(pkg/registry/core/pod/strategy.go CheckGracefulDelete); a terminating endpoint is not `ready`
but still `serving` (pkg/controller/endpointslice, staging/.../endpointslice/utils.go)."""

from __future__ import annotations

import time

from helpers import Kubectl, apply, get_json, namespace, running_pods, wait_for

SLEEPER = """
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: sleeper
spec:
  {grace}containers:
  - name: sleep
    image: busybox:1.37
    command: ["sleep", "3600"]
    ports:
    - containerPort: 80
"""
SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: sleeper
spec:
  selector:
    app: sleeper
  ports:
  - port: 80
"""
RESTARTED = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: slow
spec:
  replicas: 2
  selector:
    matchLabels:
      app: slow
  template:
    metadata:
      labels:
        app: slow
    spec:
      terminationGracePeriodSeconds: 4
      containers:
      - name: sleep
        image: busybox:1.37
        command: ["sleep", "3600"]
"""


def exists(kubectl: Kubectl, ns: str, pod: str) -> bool:
    return kubectl("get", "pod", pod, "-n", ns).returncode == 0


def test_sleep_stays_its_grace_period_and_force_removes_at_once(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "grace-sleep")
    apply(kubectl, SLEEPER.format(name="short", grace=""), "-n", ns)
    apply(kubectl, SLEEPER.format(name="long", grace=""), "-n", ns)
    apply(kubectl, SERVICE, "-n", ns)
    running_pods(kubectl, ns, "app=sleeper", 2)
    started = time.monotonic()
    kubectl("delete", "pod", "short", "--grace-period=3", "--wait=false", "-n", ns, check=True)
    kubectl("delete", "pod", "long", "--wait=false", "-n", ns, check=True)
    long = get_json(kubectl, "pod", "long", "-n", ns)
    assert long["metadata"]["deletionGracePeriodSeconds"] == 30
    rows = kubectl("get", "pods", "-n", ns, check=True).stdout.splitlines()[1:]
    assert {r.split()[0]: r.split()[2] for r in rows} == {
        "long": "Terminating",
        "short": "Terminating",
    }

    def endpoint_conditions() -> list[dict[str, bool]] | None:
        slices = get_json(
            kubectl, "endpointslices", "-n", ns, "-l", "kubernetes.io/service-name=sleeper"
        )
        found = [e["conditions"] for s in slices["items"] for e in s.get("endpoints") or []]
        return found if len(found) == 2 else None

    # still serving while its grace period lasts, never ready again
    conditions = wait_for(endpoint_conditions, 5, "two endpoints")
    assert conditions == [{"ready": False, "serving": True, "terminating": True}] * 2

    time.sleep(max(0.0, 2.0 - (time.monotonic() - started)))
    assert exists(kubectl, ns, "short")  # SIGTERM ignored: it waits for SIGKILL
    wait_for(lambda: not exists(kubectl, ns, "short"), 6, "short gone after its 3 s")
    assert time.monotonic() - started >= 2.5
    assert exists(kubectl, ns, "long")
    forced = kubectl("delete", "pod", "long", "--force", "--grace-period=0", "-n", ns)
    assert forced.returncode == 0, forced.stderr
    assert 'pod "long" force deleted' in forced.stdout
    assert not exists(kubectl, ns, "long")


def test_nginx_exits_on_sigterm_in_about_a_second(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "grace-nginx")
    kubectl("run", "web", "--image=nginx:1.29", "-n", ns, check=True)
    running_pods(kubectl, ns, "run=web", 1)
    started = time.monotonic()
    done = kubectl("delete", "pod", "web", "-n", ns, timeout=30)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert not exists(kubectl, ns, "web")
    assert 0.5 <= took < 10, took
    events = kubectl("get", "events", "-n", ns, "--field-selector", "reason=Killing", check=True)
    assert "Stopping container web" in events.stdout


def test_rollout_restart_shows_old_pods_terminating_beside_new_ones(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "grace-restart")
    apply(kubectl, RESTARTED, "-n", ns)
    old = {p["metadata"]["name"] for p in running_pods(kubectl, ns, "app=slow", 2)}
    kubectl("rollout", "restart", "deployment/slow", "-n", ns, check=True)

    def both() -> dict[str, str] | None:
        rows = kubectl("get", "pods", "-n", ns, check=True).stdout.splitlines()[1:]
        status = {r.split()[0]: r.split()[2] for r in rows}
        terminating = {n for n, s in status.items() if s == "Terminating"}
        fresh = {n for n, s in status.items() if s == "Running" and n not in old}
        return status if terminating & old and fresh else None

    seen = wait_for(both, 15, "old pods Terminating beside new Running ones")
    assert any(status == "Terminating" for status in seen.values())
    wait_for(
        lambda: (
            not (
                old & {p["metadata"]["name"] for p in get_json(kubectl, "pods", "-n", ns)["items"]}
            )
        ),
        15,
        "old pods gone after their 4 s",
    )
