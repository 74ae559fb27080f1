"""Deployments, ReplicaSets, DaemonSets, ReplicationControllers and pod lifecycles."""

from __future__ import annotations

from helpers import Kubectl, apply, deployment, get_json, namespace, running_pods, wait_for


def test_rolling_update_and_rollout_status(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-rollout")
    apply(kubectl, deployment("web", "web", replicas=3, image="nginx:1.27"), "-n", ns)
    first = running_pods(kubectl, ns, "run=web", 3)
    status = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=20s", timeout=30)
    assert status.returncode == 0, status.stderr
    assert 'deployment "web" successfully rolled out' in status.stdout
    kubectl("set", "image", "deployment/web", "web=nginx:1.29", "-n", ns, check=True)
    status = kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=20s", timeout=30)
    assert status.returncode == 0, status.stderr
    pods = running_pods(kubectl, ns, "run=web", 3)
    assert not {p["metadata"]["name"] for p in pods} & {p["metadata"]["name"] for p in first}
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.29"}
    rs = get_json(kubectl, "rs", "-n", ns)["items"]
    assert sorted(r["spec"]["replicas"] for r in rs) == [0, 3]
    revisions = sorted(
        r["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for r in rs
    )
    assert revisions == ["1", "2"]
    undo = kubectl("rollout", "undo", "deployment/web", "-n", ns)
    assert undo.returncode == 0, undo.stderr
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=20s", timeout=30)
    images = wait_for(
        lambda: (
            {p["spec"]["containers"][0]["image"] for p in running_pods(kubectl, ns, "run=web", 3)}
            == {"nginx:1.27"}
        ),
        20,
        "rolled back",
    )
    assert images
    history = kubectl("rollout", "history", "deployment/web", "-n", ns, check=True).stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]
    described = kubectl("describe", "deployment", "web", "-n", ns, check=True).stdout
    assert "ScalingReplicaSet" in described and "Scaled up replica set web-" in described
    row = kubectl("get", "deploy", "web", "-n", ns, check=True).stdout.splitlines()
    assert row[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert row[1].split()[1:4] == ["3/3", "3", "3"]


def test_deleting_a_deployment_removes_its_pods(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-delete")
    apply(kubectl, deployment("gone", "gone", replicas=2), "-n", ns)
    running_pods(kubectl, ns, "run=gone", 2)
    kubectl("delete", "deployment", "gone", "-n", ns, check=True, timeout=30)
    wait_for(
        lambda: (
            not get_json(kubectl, "pods", "-n", ns)["items"]
            and not get_json(kubectl, "rs", "-n", ns)["items"]
        ),
        15,
        "pods and replica sets garbage-collected",
    )


def test_daemonset_runs_on_each_schedulable_node(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-ds")
    manifest = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: busybox:1.37
        command: ["sleep", "3600"]
"""
    assert apply(kubectl, manifest, "-n", ns).returncode == 0
    pods = running_pods(kubectl, ns, "app=agent", 2)
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["kubelab-worker", "kubelab-worker2"]
    row = kubectl("get", "ds", "agent", "-n", ns, check=True).stdout.splitlines()
    assert row[0].split()[:7] == [
        "NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE",
    ]  # fmt: skip
    wait_for(
        lambda: (
            kubectl("get", "ds", "agent", "-n", ns).stdout.splitlines()[1].split()[1:6]
            == ["2", "2", "2", "2", "2"]
        ),
        10,
        "daemonset status",
    )
    kubectl("set", "image", "ds/agent", "agent=busybox:1.36", "-n", ns, check=True)

    def rolled() -> list[str] | None:
        pods = running_pods(kubectl, ns, "app=agent", 2)
        images = [p["spec"]["containers"][0]["image"] for p in pods]
        return images if images == ["busybox:1.36", "busybox:1.36"] else None

    wait_for(rolled, 20, "daemonset rolled to busybox:1.36")


def test_replication_controller(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-rc")
    manifest = """
apiVersion: v1
kind: ReplicationController
metadata:
  name: legacy
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
      - name: web
        image: nginx
"""
    assert apply(kubectl, manifest, "-n", ns).returncode == 0
    running_pods(kubectl, ns, "app=legacy", 2)
    rc = get_json(kubectl, "rc", "legacy", "-n", ns)
    assert rc["spec"]["selector"] == {"app": "legacy"}
    kubectl("scale", "rc", "legacy", "--replicas=1", "-n", ns, check=True)
    running_pods(kubectl, ns, "app=legacy", 1)


def test_bare_busybox_crash_loops(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-crash")
    kubectl("run", "bb", "--image=busybox:1.37", "-n", ns, check=True)

    def crash_looping() -> list[str] | None:
        row = kubectl("get", "pod", "bb", "-n", ns, check=True).stdout.splitlines()[1].split()
        return row if row[2] == "CrashLoopBackOff" else None

    row = wait_for(crash_looping, 15, "CrashLoopBackOff")
    assert row[1] == "0/1"
    assert row[3].startswith("1")
    described = kubectl("describe", "pod", "bb", "-n", ns, check=True).stdout
    assert "Back-off restarting failed container bb in pod bb_" in described
    assert "Last State:     Terminated" in described
    assert "Reason:       Completed" in described


def test_target_port_by_name_and_external_name(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-named")
    manifest = """
apiVersion: v1
kind: Pod
metadata:
  name: named
  labels:
    app: named
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - name: http-web
      containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: named
spec:
  selector:
    app: named
  ports:
  - name: http
    port: 8080
    targetPort: http-web
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  type: ExternalName
  externalName: my.database.example.com
"""
    assert apply(kubectl, manifest, "-n", ns).returncode == 0
    pod = running_pods(kubectl, ns, "app=named", 1)[0]

    def endpoints() -> str | None:
        row = kubectl("get", "ep", "named", "-n", ns).stdout.splitlines()[1].split()
        return row[1] if row[1] != "<none>" else None

    assert wait_for(endpoints, 10, "named endpoints") == f"{pod['status']['podIP']}:80"
    row = kubectl("get", "svc", "db", "-n", ns, check=True).stdout.splitlines()[1].split()
    assert row[1:5] == ["ExternalName", "<none>", "my.database.example.com", "<none>"]
    assert not get_json(kubectl, "endpoints", "-n", ns, "--field-selector", "metadata.name=db")[
        "items"
    ]


def test_service_links_disabled(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-links")
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: early\nspec:\n  ports:\n  - port: 80\n"
    apply(kubectl, svc, "-n", ns)
    pod = """
apiVersion: v1
kind: Pod
metadata:
  name: quiet
  labels:
    app: quiet
spec:
  enableServiceLinks: false
  containers:
  - name: web
    image: nginx
"""
    apply(kubectl, pod, "-n", ns)
    running_pods(kubectl, ns, "app=quiet", 1)
    env = kubectl("exec", "quiet", "-n", ns, "--", "printenv", check=True).stdout.splitlines()
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1" in env
    assert not any(line.startswith("EARLY_") for line in env)


def test_unschedulable_pod_and_simulated_image(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-sched")
    manifest = """
apiVersion: v1
kind: Pod
metadata:
  name: picky
spec:
  nodeSelector:
    disktype: ssd
  containers:
  - name: web
    image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: custom
  labels:
    app: custom
spec:
  containers:
  - name: app
    image: example.com/team/app:1.0
    ports:
    - containerPort: 8080
"""
    assert apply(kubectl, manifest, "-n", ns).returncode == 0
    expected = (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful "
        "for scheduling."
    )
    wait_for(
        lambda: expected in kubectl("describe", "pod", "picky", "-n", ns).stdout.replace("\n", ""),
        10,
        "FailedScheduling",
    )
    row = kubectl("get", "pod", "picky", "-n", ns, check=True).stdout.splitlines()[1].split()
    assert row[1:3] == ["0/1", "Pending"]
    running_pods(kubectl, ns, "app=custom", 1)
    described = kubectl("describe", "pod", "custom", "-n", ns, check=True).stdout
    assert "Simulated" in described
    assert "is not in kubelab's catalogue" in described


def test_readiness_probes_gate_endpoints(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-probe")
    manifest = """
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: probed
spec:
  containers:
  - name: web
    image: nginx
    readinessProbe:
      httpGet:
        path: /
        port: {port}
      initialDelaySeconds: 3
      periodSeconds: 1
---
"""
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: probed\nspec:\n  selector:\n    app: probed\n  ports:\n  - port: 80\n"  # noqa: E501
    docs = manifest.format(name="good", port=80) + manifest.format(name="bad", port=8080) + svc
    assert apply(kubectl, docs, "-n", ns).returncode == 0

    def subsets() -> list[dict[str, object]] | None:
        ep = get_json(kubectl, "endpoints", "probed", "-n", ns)
        return ep.get("subsets")

    first = wait_for(subsets, 10, "endpoints with addresses")
    assert not first[0].get("addresses")  # nobody ready before initialDelaySeconds
    assert len(first[0]["notReadyAddresses"]) == 2

    def split() -> tuple[list[str], list[str]] | None:
        subset = get_json(kubectl, "endpoints", "probed", "-n", ns)["subsets"][0]
        ready = [a["targetRef"]["name"] for a in subset.get("addresses") or []]
        not_ready = [a["targetRef"]["name"] for a in subset.get("notReadyAddresses") or []]
        return (ready, not_ready) if ready else None

    assert wait_for(split, 10, "the good pod ready") == (["good"], ["bad"])
    row = kubectl("get", "pod", "bad", "-n", ns, check=True).stdout.splitlines()[1].split()
    assert row[1:3] == ["0/1", "Running"]
    described = kubectl("describe", "pod", "bad", "-n", ns, check=True).stdout
    assert 'Readiness probe failed: Get "http://' in described
    assert ':8080/": dial tcp ' in described and "connect: connection refused" in described
    logs = kubectl("logs", "good", "-n", ns, check=True).stdout
    assert "kube-probe/1.37" in logs


def test_relabelled_pod_leaves_its_replicaset_and_service(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-relabel")
    apply(kubectl, deployment("app", "app", replicas=2), "-n", ns)
    svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: app\nspec:\n  selector:\n    run: app\n  ports:\n  - port: 80\n"  # noqa: E501
    apply(kubectl, svc, "-n", ns)
    pods = running_pods(kubectl, ns, "run=app", 2)
    isolated = pods[0]["metadata"]["name"]
    kubectl("label", "pod", isolated, "run=debug", "--overwrite", "-n", ns, check=True)
    fresh = running_pods(kubectl, ns, "run=app", 2)
    assert isolated not in {p["metadata"]["name"] for p in fresh}
    orphan = get_json(kubectl, "pod", isolated, "-n", ns)
    assert not orphan["metadata"].get("ownerReferences")
    assert orphan["status"]["phase"] == "Running"

    def endpoint_pods() -> list[str] | None:
        subsets = get_json(kubectl, "endpoints", "app", "-n", ns).get("subsets") or []
        names = sorted(a["targetRef"]["name"] for s in subsets for a in s.get("addresses") or [])
        return names if names == sorted(p["metadata"]["name"] for p in fresh) else None

    wait_for(endpoint_pods, 10, "endpoints without the isolated pod")


def test_failing_liveness_probe_restarts_the_container(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-liveness")
    manifest = """
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  labels:
    app: live
spec:
  containers:
  - name: web
    image: nginx
    livenessProbe:
      httpGet:
        path: /
        port: {port}
      periodSeconds: 1
      failureThreshold: 2
---
"""
    docs = manifest.format(name="healthy", port=80) + manifest.format(name="sick", port=8080)
    assert apply(kubectl, docs, "-n", ns).returncode == 0

    def restarted() -> list[str] | None:
        row = kubectl("get", "pod", "sick", "-n", ns, check=True).stdout.splitlines()[1].split()
        return row if row[3] != "0" else None

    row = wait_for(restarted, 15, "a liveness restart")
    assert row[2] == "Running"
    described = kubectl("describe", "pod", "sick", "-n", ns, check=True).stdout
    assert 'Liveness probe failed: Get "http://' in described
    assert "Container web failed liveness probe, will be restarted" in described
    healthy = kubectl("get", "pod", "healthy", "-n", ns, check=True).stdout.splitlines()[1]
    assert healthy.split()[1:4] == ["1/1", "Running", "0"]


def test_fixing_the_image_of_a_pod_that_cannot_pull(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "wl-fix-image")
    kubectl(
        "run", "curl", "--image=radial/busyboxplus:curl", "-n", ns, "--command", "--",
        "sleep", "3600", check=True,
    )  # fmt: skip

    def status(wanted: str) -> list[str] | None:
        row = kubectl("get", "pod", "curl", "-n", ns, check=True).stdout.splitlines()[1].split()
        return row if row[2] == wanted else None

    wait_for(lambda: status("ImagePullBackOff"), 10, "ImagePullBackOff")
    # a tag no other test pulls: the node has not got it, so the kubelet pulls it (an event)
    kubectl("set", "image", "pod/curl", "curl=curlimages/curl:8.16.0", "-n", ns, check=True)
    row = wait_for(lambda: status("Running"), 10, "Running with the new image")
    assert row[1] == "1/1"
    pod = get_json(kubectl, "pod", "curl", "-n", ns)
    assert pod["status"]["containerStatuses"][0]["image"] == "docker.io/curlimages/curl:8.16.0"
    described = kubectl("describe", "pod", "curl", "-n", ns, check=True).stdout
    assert 'Pulling image "curlimages/curl:8.16.0"' in described
