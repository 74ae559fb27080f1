"""The cluster a learner finds on start, as kubectl shows it."""

from __future__ import annotations

from helpers import Kubectl, get_json, wait_for


def test_nodes_like_kind(kubectl: Kubectl) -> None:
    out = kubectl("get", "nodes", "-o", "wide", check=True).stdout.splitlines()
    assert out[0].split() == [
        "NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE",
        "KERNEL-VERSION", "CONTAINER-RUNTIME",
    ]  # fmt: skip
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert set(rows) == {"kubelab-control-plane", "kubelab-worker", "kubelab-worker2"}
    assert rows["kubelab-control-plane"][1:3] == ["Ready", "control-plane"]
    assert rows["kubelab-worker"][2] == "<none>"
    assert rows["kubelab-worker"][5].startswith("172.18.")


def test_kube_system_services_and_pods(kubectl: Kubectl) -> None:
    out = kubectl("get", "services", "kube-dns", "--namespace=kube-system", check=True).stdout
    header, row = out.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[:5] == ["kube-dns", "ClusterIP", "10.96.0.10", "<none>",
                               "53/UDP,53/TCP,9153/TCP"]  # fmt: skip
    svc = get_json(kubectl, "svc", "kubernetes", "-n", "default")
    assert svc["spec"]["clusterIP"] == "10.96.0.1"
    assert svc["spec"]["ports"][0]["name"] == "https"
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}

    def system_pods_running() -> list[str] | None:
        pods = get_json(kubectl, "pods", "-n", "kube-system")["items"]
        names = [p["metadata"]["name"] for p in pods if p["status"].get("phase") == "Running"]
        return names if len(names) == len(pods) and len(pods) >= 12 else None

    names = wait_for(system_pods_running, 10.0, "kube-system pods running")
    for prefix in ("etcd-", "kube-apiserver-", "kube-controller-manager-", "kube-scheduler-",
                   "coredns-", "kube-proxy-", "kindnet-"):  # fmt: skip
        assert any(n.startswith(prefix) for n in names), prefix
    assert sum(n.startswith("kube-proxy-") for n in names) == 3
    assert sum(n.startswith("coredns-") for n in names) == 2


def test_cluster_info_lists_coredns(kubectl: Kubectl) -> None:
    out = kubectl("cluster-info", check=True).stdout
    assert "Kubernetes control plane is running at https://127.0.0.1:" in out
    assert "CoreDNS is running at" in out
    assert "/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy" in out


def test_cluster_info_dump_shows_the_service_range(kubectl: Kubectl) -> None:
    out = kubectl(
        "cluster-info", "dump", "--namespaces", "kube-system", timeout=60, check=True
    ).stdout
    lines = [line for line in out.splitlines() if "service-cluster-ip-range" in line]
    assert any('"--service-cluster-ip-range=10.96.0.0/16"' in line for line in lines)


def test_kube_dns_endpoints_are_the_coredns_pods(kubectl: Kubectl) -> None:
    def slices() -> list[str] | None:
        found = get_json(
            kubectl, "endpointslices", "-n", "kube-system", "-l",
            "kubernetes.io/service-name=kube-dns",
        )["items"]  # fmt: skip
        ips = [a for s in found for e in s.get("endpoints") or [] for a in e["addresses"]]
        return ips if len(ips) == 2 else None

    ips = wait_for(slices, 10.0, "kube-dns endpoints")
    pods = get_json(kubectl, "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns")["items"]
    assert sorted(ips) == sorted(p["status"]["podIP"] for p in pods)
    assert all(ip.startswith("10.244.") for ip in ips)
