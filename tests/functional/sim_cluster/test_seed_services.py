"""The seed tutorial's Service scenes, with real kubectl against the simulator."""

from __future__ import annotations

import subprocess
import urllib.request

from helpers import (
    Kubectl,
    apply,
    deployment,
    get_json,
    host_ports,
    namespace,
    running_pods,
    wait_for,
)

from tests.conftest import KUBECTL, SimServer

SEED_SVC = """
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels:
    run: my-nginx
spec:
  ports:
  - port: 80
    protocol: TCP
  selector:
    run: my-nginx
"""


def endpoints_line(kubectl: Kubectl, ns: str, name: str) -> str:
    out = kubectl("describe", "svc", name, "-n", ns, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("Endpoints:"))
    return line.split(":", 1)[1].strip()


def test_get_and_describe_svc(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-describe")
    assert apply(kubectl, deployment("my-nginx", "my-nginx"), "-n", ns).returncode == 0
    assert apply(kubectl, SEED_SVC, "-n", ns).stdout.strip() == "service/my-nginx created"
    pods = running_pods(kubectl, ns, "run=my-nginx", 2)
    out = kubectl("get", "svc", "my-nginx", "-n", ns, check=True).stdout.splitlines()
    assert out[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    name, kind, ip, external, ports, _age = out[1].split()
    assert (name, kind, external, ports) == ("my-nginx", "ClusterIP", "<none>", "80/TCP")
    assert ip.startswith("10.96.")
    wide = kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "wide", check=True).stdout
    assert wide.splitlines()[0].split()[-1] == "SELECTOR"
    assert wide.splitlines()[1].split()[-1] == "run=my-nginx"
    expected = ",".join(sorted(f"{p['status']['podIP']}:80" for p in pods))
    wait_for(lambda: endpoints_line(kubectl, ns, "my-nginx") == expected, 10, "endpoints")
    described = kubectl("describe", "svc", "my-nginx", "-n", ns, check=True).stdout
    keys = [line.split(":")[0] for line in described.splitlines() if line and line[0] != " "]
    assert keys == [
        "Name", "Namespace", "Labels", "Annotations", "Selector", "Type", "IP Family Policy",
        "IP Families", "IP", "IPs", "Port", "TargetPort", "Endpoints", "Session Affinity",
        "Internal Traffic Policy", "Events",
    ]  # fmt: skip
    assert "Port:                     <unset>  80/TCP" in described
    assert "TargetPort:               80/TCP" in described
    assert "Events:                   <none>" in described


def test_endpoints_follow_pod_churn(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-churn")
    apply(kubectl, deployment("my-nginx", "my-nginx"), "-n", ns)
    apply(kubectl, SEED_SVC, "-n", ns)
    pods = running_pods(kubectl, ns, "run=my-nginx", 2)
    victim = pods[0]
    kubectl("delete", "pod", victim["metadata"]["name"], "-n", ns, "--wait=false", check=True)
    fresh = wait_for(
        lambda: [
            p
            for p in running_pods(kubectl, ns, "run=my-nginx", 2)
            if p["metadata"]["name"] != victim["metadata"]["name"]
        ],
        15,
        "replacement pod",
    )
    ips = sorted(p["status"]["podIP"] for p in fresh)
    expected = ",".join(f"{ip}:80" for ip in ips)
    wait_for(lambda: endpoints_line(kubectl, ns, "my-nginx") == expected, 10, "endpoints follow")
    ep = kubectl("get", "endpoints", "my-nginx", "-n", ns, check=True)
    assert "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice" in (
        ep.stderr
    )
    assert ep.stdout.splitlines()[1].split()[:2] == ["my-nginx", expected]
    kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=0", check=True)
    wait_for(lambda: endpoints_line(kubectl, ns, "my-nginx") == "", 10, "no endpoints")
    out = kubectl("get", "endpointslices", "-n", ns, check=True).stdout.splitlines()
    assert out[0].split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]


def test_env_var_ordering_problem(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-env")
    apply(kubectl, deployment("my-nginx", "my-nginx"), "-n", ns)
    before = running_pods(kubectl, ns, "run=my-nginx", 2)
    apply(kubectl, SEED_SVC, "-n", ns)
    pod = before[0]["metadata"]["name"]
    env = kubectl("exec", pod, "-n", ns, "--", "printenv", check=True).stdout
    service_lines = sorted(line for line in env.splitlines() if "SERVICE" in line)
    assert service_lines == [
        "KUBERNETES_SERVICE_HOST=10.96.0.1",
        "KUBERNETES_SERVICE_PORT=443",
        "KUBERNETES_SERVICE_PORT_HTTPS=443",
    ]
    kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=0", check=True)
    kubectl("scale", "deployment", "my-nginx", "-n", ns, "--replicas=2", check=True)
    old = {p["metadata"]["name"] for p in before}
    after = wait_for(
        lambda: [
            p
            for p in running_pods(kubectl, ns, "run=my-nginx", 2)
            if p["metadata"]["name"] not in old
        ],
        15,
        "recreated pods",
    )
    ip = get_json(kubectl, "svc", "my-nginx", "-n", ns)["spec"]["clusterIP"]
    env = kubectl("exec", after[0]["metadata"]["name"], "-n", ns, "--", "printenv").stdout
    assert f"MY_NGINX_SERVICE_HOST={ip}" in env.splitlines()
    assert "MY_NGINX_SERVICE_PORT=80" in env.splitlines()
    assert f"MY_NGINX_PORT_80_TCP_ADDR={ip}" in env.splitlines()


def test_node_port_range_and_conflict(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-nodeport")
    manifest = """
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: {port}
      targetPort: 80
  selector:
    app: web
"""
    bad = apply(kubectl, manifest.format(name="frontend", port=80), "-n", ns)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        'The Service "frontend" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided '
        "port is not in the valid range. The range of valid ports is 30000-32767"
    )
    ok = apply(kubectl, manifest.format(name="frontend", port=30017), "-n", ns)
    assert ok.returncode == 0, ok.stderr
    taken = apply(kubectl, manifest.format(name="frontend2", port=30017), "-n", ns)
    assert taken.stderr.strip() == (
        'The Service "frontend2" is invalid: spec.ports[0].nodePort: Invalid value: 30017: '
        "provided port is already allocated"
    )
    row = kubectl("get", "svc", "frontend", "-n", ns, check=True).stdout.splitlines()[1].split()
    assert row[1] == "NodePort" and row[4] == "80:30017/TCP"
    kubectl("delete", "svc", "frontend", "-n", ns, check=True)
    again = apply(kubectl, manifest.format(name="frontend2", port=30017), "-n", ns)
    assert again.returncode == 0, again.stderr


def test_fixed_cluster_ip_inside_and_outside_the_range(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-clusterip")
    manifest = """
apiVersion: v1
kind: Service
metadata:
  name: external-backend
spec:
  ports:
  - protocol: TCP
    port: 3000
    targetPort: 3000
  clusterIP: {ip}
"""
    taken = apply(kubectl, manifest.format(ip="10.96.0.1"), "-n", ns)
    assert taken.stderr.strip() == (
        'The Service "external-backend" is invalid: spec.clusterIPs: Invalid value: '
        '[]string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated'
    )
    outside = apply(kubectl, manifest.format(ip="10.0.0.5"), "-n", ns)
    assert outside.stderr.strip() == (
        'The Service "external-backend" is invalid: spec.clusterIPs: Invalid value: '
        '[]string{"10.0.0.5"}: failed to allocate IP 10.0.0.5: the provided network does not '
        "match the current range"
    )
    inside = apply(kubectl, manifest.format(ip="10.96.100.200"), "-n", ns)
    assert inside.returncode == 0, inside.stderr
    row = kubectl("get", "svc", "external-backend", "-n", ns, check=True).stdout.splitlines()[1]
    assert row.split()[2] == "10.96.100.200"
    changed = kubectl(
        "patch", "svc", "external-backend", "-n", ns, "-p",
        '{"spec":{"clusterIP":"10.96.100.201"}}',
    )  # fmt: skip
    assert changed.returncode == 1
    assert "may not change once set" in changed.stderr


def test_multi_port_names(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-multiport")
    unnamed = """
apiVersion: v1
kind: Service
metadata:
  name: webserver
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 80
  - port: 443
    targetPort: 443
"""
    result = apply(kubectl, unnamed, "-n", ns)
    assert result.stderr.strip() == (
        'The Service "webserver" is invalid: spec.ports[1].name: Required value'
    )
    duplicate = unnamed.replace("  - port: 443", "  - name: http\n    port: 443")
    result = apply(kubectl, duplicate, "-n", ns)
    assert result.stderr.strip() == (
        'The Service "webserver" is invalid: spec.ports[1].name: Duplicate value: "http"'
    )
    named = unnamed.replace("  - port: 443", "  - name: https\n    port: 443")
    assert apply(kubectl, named, "-n", ns).returncode == 0
    row = kubectl("get", "svc", "webserver", "-n", ns, check=True).stdout.splitlines()[1]
    assert row.split()[4] == "80/TCP,443/TCP"


def test_headless_service_lists_every_pod(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-headless")
    apply(kubectl, deployment("db", "db", replicas=3), "-n", ns)
    headless = """
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector:
    run: db
  ports:
  - port: 80
"""
    assert apply(kubectl, headless, "-n", ns).returncode == 0
    pods = running_pods(kubectl, ns, "run=db", 3)
    row = kubectl("get", "svc", "db", "-n", ns, check=True).stdout.splitlines()[1].split()
    assert row[1:5] == ["ClusterIP", "None", "<none>", "80/TCP"]
    ips = sorted(p["status"]["podIP"] for p in pods)
    expected = ",".join(f"{ip}:80" for ip in ips)
    wait_for(lambda: endpoints_line(kubectl, ns, "db") == expected, 10, "headless endpoints")
    ep = get_json(kubectl, "endpoints", "db", "-n", ns)
    assert ep["metadata"]["labels"]["service.kubernetes.io/headless"] == ""


def test_selectorless_service_with_manual_endpoints(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-selectorless")
    manifest = """
apiVersion: v1
kind: Service
metadata:
  name: external-backend
spec:
  ports:
  - protocol: TCP
    port: 3000
    targetPort: 3000
---
apiVersion: v1
kind: Endpoints
metadata:
  name: external-backend
subsets:
- addresses:
  - ip: 192.0.2.42
  ports:
  - port: 3000
"""
    assert apply(kubectl, manifest, "-n", ns).returncode == 0
    wait_for(
        lambda: endpoints_line(kubectl, ns, "external-backend") == "192.0.2.42:3000",
        10,
        "mirrored endpoints",
    )
    slices = get_json(kubectl, "endpointslices", "-n", ns)["items"]
    assert len(slices) == 1
    labels = slices[0]["metadata"]["labels"]
    assert labels["endpointslice.kubernetes.io/managed-by"] == (
        "endpointslicemirroring-controller.k8s.io"
    )
    assert labels["kubernetes.io/service-name"] == "external-backend"
    kubectl("delete", "endpoints", "external-backend", "-n", ns, check=True)
    wait_for(
        lambda: not get_json(kubectl, "endpointslices", "-n", ns)["items"], 10, "slice removed"
    )


def test_load_balancer_leaves_pending(sim: SimServer, kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-lb")
    apply(kubectl, deployment("my-nginx", "my-nginx", replicas=1), "-n", ns)
    apply(kubectl, SEED_SVC, "-n", ns)
    # `kubectl edit svc my-nginx`, changing the type as the seed does, with a scripted editor
    env = dict(sim.env, EDITOR="sed -i 's/type: ClusterIP/type: LoadBalancer/'")
    edited = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(sim.kubeconfig), "--cache-dir", str(sim.cache_dir),
         "edit", "svc", "my-nginx", "-n", ns],
        env=env, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.strip() == "service/my-nginx edited"

    def external_ip() -> str | None:
        row = kubectl("get", "svc", "my-nginx", "-n", ns, check=True).stdout.splitlines()[1]
        value = row.split()[3]
        return value if value != "<pending>" else None

    ip = wait_for(external_ip, 10, "EXTERNAL-IP")
    assert ip.startswith("172.18.255.")
    described = kubectl("describe", "svc", "my-nginx", "-n", ns, check=True).stdout
    assert f"LoadBalancer Ingress:     {ip} (VIP)" in described
    assert "Ensured load balancer" in described
    running_pods(kubectl, ns, "run=my-nginx", 1)

    def lb_mapping() -> dict[str, object] | None:
        entries = host_ports(kubectl, ns, "my-nginx")
        return next((e for e in entries if e["kind"] == "LoadBalancer"), None)

    entry = wait_for(lb_mapping, 10, "load balancer host mapping")
    address = entry.get("address")
    assert address, entry  # the port or, when taken, an ephemeral one: always served
    with urllib.request.urlopen(f"http://{address}/", timeout=5) as response:
        assert "<title>Welcome to nginx!</title>" in response.read().decode()
    unavailable = """
apiVersion: v1
kind: Service
metadata:
  name: frontend
spec:
  type: LoadBalancer
  loadBalancerIP: 78.11.24.19
  selector:
    app: web
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
"""
    assert apply(kubectl, unavailable, "-n", ns).returncode == 0
    wait_for(
        lambda: "SyncLoadBalancerFailed" in kubectl("describe", "svc", "frontend", "-n", ns).stdout,
        10,
        "failed LB event",
    )
    row = kubectl("get", "svc", "frontend", "-n", ns, check=True).stdout.splitlines()[1]
    assert row.split()[3] == "<pending>"


def test_node_port_served_on_the_host(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-hostport")
    apply(kubectl, deployment("my-nginx", "my-nginx", replicas=2), "-n", ns)
    apply(kubectl, SEED_SVC.replace("  ports:", "  type: NodePort\n  ports:"), "-n", ns)
    running_pods(kubectl, ns, "run=my-nginx", 2)

    def mapping() -> list[dict[str, object]] | None:
        return host_ports(kubectl, ns, "my-nginx") or None

    entries = wait_for(mapping, 10, "host mapping")
    annotations = get_json(kubectl, "svc", "my-nginx", "-n", ns)["metadata"].get("annotations")
    # a real server adds nothing to the Service but what kubectl apply recorded
    assert set(annotations) == {"kubectl.kubernetes.io/last-applied-configuration"}
    node_port = get_json(kubectl, "svc", "my-nginx", "-n", ns)["spec"]["ports"][0]["nodePort"]
    entry = entries[0]
    assert entry["kind"] == "NodePort" and entry["nodePort"] == node_port
    described = kubectl("describe", "svc", "my-nginx", "-n", ns, check=True).stdout
    if "address" in entry:
        assert entry["address"] == f"127.0.0.1:{node_port}"
        assert "HostPortMapped" in described
        with urllib.request.urlopen(f"http://127.0.0.1:{node_port}/", timeout=5) as response:
            assert "<title>Welcome to nginx!</title>" in response.read().decode()
    else:  # another program holds the port: the event says so
        assert "HostPortUnavailable" in described


def test_radial_busyboxplus_cannot_be_pulled(kubectl: Kubectl) -> None:
    ns = namespace(kubectl, "seed-pull")
    kubectl("run", "curl", "--image=radial/busyboxplus:curl", "-n", ns, check=True)

    def status() -> str | None:
        row = kubectl("get", "pod", "curl", "-n", ns, check=True).stdout.splitlines()[1]
        value = row.split()[2]
        return value if value == "ImagePullBackOff" else None

    wait_for(status, 10, "ImagePullBackOff")
    described = kubectl("describe", "pod", "curl", "-n", ns, check=True).stdout
    assert "Error: ErrImagePull" in described
    assert "Error: ImagePullBackOff" in described
    assert 'Back-off pulling image "radial/busyboxplus:curl"' in described
    assert (
        'Failed to pull image "radial/busyboxplus:curl": ' in described
        and '"application/vnd.docker.distribution.manifest.v1+prettyjws" is no longer supported '
        "since containerd v2.1"
        in described
    )
