"""StatefulSets through the real kubectl: stable names created in order (OrderedReady) or at
once (Parallel), scale down from the highest ordinal, per-pod DNS through the governing headless
Service, rollout status and a rolling update (pkg/controller/statefulset/stateful_set_control.go,
kubectl's pkg/polymorphichelpers/rollout_status.go, pkg/printers/internalversion/printers.go)."""

from __future__ import annotations

import json
from typing import Any

from helpers import Kubectl, apply, get_json, namespace, wait_for

WEB = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: web
  ports:
  - port: 80
    name: web
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: {replicas}
  podManagementPolicy: {policy}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
"""


def pods_by_creation(kubectl: Kubectl, ns: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get_json(kubectl, "pods", "-n", ns, "-l", "app=web")["items"]
    return sorted(items, key=lambda p: int(p["metadata"]["resourceVersion"]))


def event_order(kubectl: Kubectl, ns: str, first: str, second: str, second_pod: str) -> int:
    """The sign of (resourceVersion of the event starting with `first`) - (that of the event of
    `second_pod` starting with `second`): which was recorded first."""
    items = get_json(kubectl, "events", "-n", ns)["items"]

    def version(prefix: str, pod: str | None) -> int:
        for e in items:
            if e["message"].startswith(prefix) and pod in (None, e["involvedObject"]["name"]):
                return int(e["metadata"]["resourceVersion"])
        raise AssertionError(f"no event {prefix!r} in {[e['message'] for e in items]}")

    diff = version(first, None) - version(second, second_pod)
    return (diff > 0) - (diff < 0)


def ready_names(kubectl: Kubectl, ns: str) -> list[str]:
    return sorted(
        p["metadata"]["name"]
        for p in pods_by_creation(kubectl, ns)
        if not p["metadata"].get("deletionTimestamp")
        and any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in p.get("status", {}).get("conditions", [])
        )
    )


def test_ordered_creation_names_dns_scale_and_rollout(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "sts-ordered")
    apply(kubectl, WEB.format(replicas=3, policy="OrderedReady"), "-n", ns)
    status = kubectl("rollout", "status", "statefulset/web", "-n", ns, "--timeout=30s", timeout=40)
    assert status.returncode == 0, status.stderr
    assert "partitioned roll out complete: 3 new pods have been updated..." in status.stdout
    pods = pods_by_creation(kubectl, ns)
    assert [p["metadata"]["name"] for p in pods] == ["web-0", "web-1", "web-2"]
    # OrderedReady: each Pod was created only once the one before it was Ready
    events = get_json(kubectl, "events", "-n", ns, "--field-selector", "reason=SuccessfulCreate")
    messages = [e["message"] for e in events["items"]]
    assert messages == [f"create Pod web-{i} in StatefulSet web successful" for i in range(3)]
    assert event_order(kubectl, ns, "create Pod web-1", "Started container nginx", "web-0") > 0
    web0 = pods[0]
    assert (web0["spec"]["hostname"], web0["spec"]["subdomain"]) == ("web-0", "nginx")
    assert web0["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-0"
    table = kubectl("get", "statefulsets", "-n", ns, check=True).stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "AGE"]
    assert table[1].split()[:2] == ["web", "3/3"]
    everything = kubectl("get", "all", "-n", ns, check=True).stdout
    assert "statefulset.apps/web" in everything

    run = kubectl(
        "run", "dns", "-n", ns, "--image=busybox:1.37", "--restart=Never", "--", "sleep", "3600"
    )
    assert run.returncode == 0, run.stderr
    wait_for(
        lambda: get_json(kubectl, "pod", "dns", "-n", ns)["status"].get("phase") == "Running",
        20,
        "dns pod running",
    )
    fqdn = f"web-0.nginx.{ns}.svc.cluster.local"
    answer = kubectl("exec", "dns", "-n", ns, "--", "nslookup", fqdn, check=True).stdout
    assert f"Name:\t{fqdn}\nAddress: {web0['status']['podIP']}\n" in answer

    kubectl("scale", "statefulset/web", "--replicas=1", "-n", ns, check=True)
    wait_for(lambda: ready_names(kubectl, ns) == ["web-0"], 30, "scaled down to web-0")
    deletes = get_json(kubectl, "events", "-n", ns, "--field-selector", "reason=SuccessfulDelete")
    assert [e["message"] for e in deletes["items"]] == [
        "delete Pod web-2 in StatefulSet web successful",
        "delete Pod web-1 in StatefulSet web successful",
    ]

    kubectl("scale", "statefulset/web", "--replicas=2", "-n", ns, check=True)
    kubectl("set", "image", "statefulset/web", "nginx=nginx:1.29", "-n", ns, check=True)
    status = kubectl("rollout", "status", "statefulset/web", "-n", ns, "--timeout=40s", timeout=50)
    assert status.returncode == 0, status.stderr
    wait_for(lambda: ready_names(kubectl, ns) == ["web-0", "web-1"], 30, "two ready pods")
    images = {p["spec"]["containers"][0]["image"] for p in pods_by_creation(kubectl, ns)}
    assert images == {"nginx:1.29"}
    sts = get_json(kubectl, "statefulset", "web", "-n", ns)
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"]


def test_parallel_creates_every_pod_at_once(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "sts-parallel")
    apply(kubectl, WEB.format(replicas=3, policy="Parallel"), "-n", ns)
    wait_for(lambda: ready_names(kubectl, ns) == ["web-0", "web-1", "web-2"], 30, "all ready")
    # Parallel: web-2 was created before web-0's container started
    assert event_order(kubectl, ns, "create Pod web-2", "Started container nginx", "web-0") < 0
    patch = json.dumps({"spec": {"podManagementPolicy": "OrderedReady"}})
    refused = kubectl("patch", "statefulset", "web", "-n", ns, "-p", patch)
    assert refused.returncode == 1
    assert "updates to statefulset spec for fields other than 'replicas'" in refused.stderr
