"""What a kind cluster runs in kube-system: the control plane's static pods (with their real
command lines), kube-proxy and kindnet on every node, CoreDNS behind the `kube-dns` Service."""

from __future__ import annotations

import hashlib

from kubelab.sim.bootstrap.nodes import CLUSTER, KUBELET_VERSION, node_ip
from kubelab.sim.kinds.service_allocation import (
    DNS_SERVICE_IP,
    KUBERNETES_SERVICE_IP,
    NODE_PORT_RANGE,
    SERVICE_CIDR,
)
from kubelab.sim.objects import Obj

POD_CIDR = "10.244.0.0/16"
ETCD_IMAGE = "registry.k8s.io/etcd:3.6.4-0"
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.12.1"
KINDNET_IMAGE = "docker.io/kindest/kindnetd:v20250512-df8de77b"
TOLERATE_ALL = [{"operator": "Exists"}]
CRITICAL = {"priorityClassName": "system-node-critical", "priority": 2000001000}

COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""


def _k8s_image(component: str) -> str:
    return f"registry.k8s.io/{component}:{KUBELET_VERSION}"


def control_plane_commands(cp_name: str) -> dict[str, tuple[str, list[str]]]:
    ip = node_ip(0)
    pki = "/etc/kubernetes/pki"
    return {
        "etcd": (
            ETCD_IMAGE,
            [
                "etcd",
                f"--advertise-client-urls=https://{ip}:2379",
                f"--cert-file={pki}/etcd/server.crt",
                "--client-cert-auth=true",
                "--data-dir=/var/lib/etcd",
                "--experimental-initial-corrupt-check=true",
                "--experimental-watch-progress-notify-interval=5s",
                f"--initial-advertise-peer-urls=https://{ip}:2380",
                f"--initial-cluster={cp_name}=https://{ip}:2380",
                f"--key-file={pki}/etcd/server.key",
                f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
                "--listen-metrics-urls=http://127.0.0.1:2381",
                f"--listen-peer-urls=https://{ip}:2380",
                f"--name={cp_name}",
                f"--peer-cert-file={pki}/etcd/peer.crt",
                "--peer-client-cert-auth=true",
                f"--peer-key-file={pki}/etcd/peer.key",
                f"--peer-trusted-ca-file={pki}/etcd/ca.crt",
                "--snapshot-count=10000",
                f"--trusted-ca-file={pki}/etcd/ca.crt",
            ],
        ),
        "kube-apiserver": (
            _k8s_image("kube-apiserver"),
            [
                "kube-apiserver",
                f"--advertise-address={ip}",
                "--allow-privileged=true",
                "--authorization-mode=Node,RBAC",
                f"--client-ca-file={pki}/ca.crt",
                "--enable-admission-plugins=NodeRestriction",
                "--enable-bootstrap-token-auth=true",
                f"--etcd-cafile={pki}/etcd/ca.crt",
                f"--etcd-certfile={pki}/apiserver-etcd-client.crt",
                f"--etcd-keyfile={pki}/apiserver-etcd-client.key",
                "--etcd-servers=https://127.0.0.1:2379",
                f"--kubelet-client-certificate={pki}/apiserver-kubelet-client.crt",
                f"--kubelet-client-key={pki}/apiserver-kubelet-client.key",
                "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                f"--proxy-client-cert-file={pki}/front-proxy-client.crt",
                f"--proxy-client-key-file={pki}/front-proxy-client.key",
                "--requestheader-allowed-names=front-proxy-client",
                f"--requestheader-client-ca-file={pki}/front-proxy-ca.crt",
                "--requestheader-extra-headers-prefix=X-Remote-Extra-",
                "--requestheader-group-headers=X-Remote-Group",
                "--requestheader-username-headers=X-Remote-User",
                "--runtime-config=",
                "--secure-port=6443",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki}/sa.pub",
                f"--service-account-signing-key-file={pki}/sa.key",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                f"--service-node-port-range={NODE_PORT_RANGE}",
                f"--tls-cert-file={pki}/apiserver.crt",
                f"--tls-private-key-file={pki}/apiserver.key",
            ],
        ),
        "kube-controller-manager": (
            _k8s_image("kube-controller-manager"),
            [
                "kube-controller-manager",
                "--allocate-node-cidrs=true",
                "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--bind-address=127.0.0.1",
                f"--client-ca-file={pki}/ca.crt",
                f"--cluster-cidr={POD_CIDR}",
                f"--cluster-name={CLUSTER}",
                f"--cluster-signing-cert-file={pki}/ca.crt",
                f"--cluster-signing-key-file={pki}/ca.key",
                "--controllers=*,bootstrapsigner,tokencleaner",
                "--enable-hostpath-provisioner=true",
                "--kubeconfig=/etc/kubernetes/controller-manager.conf",
                "--leader-elect=true",
                f"--requestheader-client-ca-file={pki}/front-proxy-ca.crt",
                f"--root-ca-file={pki}/ca.crt",
                f"--service-account-private-key-file={pki}/sa.key",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--use-service-account-credentials=true",
            ],
        ),
        "kube-scheduler": (
            _k8s_image("kube-scheduler"),
            [
                "kube-scheduler",
                "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
                "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
                "--bind-address=127.0.0.1",
                "--kubeconfig=/etc/kubernetes/scheduler.conf",
                "--leader-elect=true",
            ],
        ),
    }


def static_pod(component: str, image: str, command: list[str], node: Obj) -> Obj:
    """A mirror pod of a kubeadm static pod manifest on the control-plane node."""
    node_name = node["metadata"]["name"]
    config_hash = hashlib.md5(" ".join(command).encode()).hexdigest()
    return {
        "metadata": {
            "name": f"{component}-{node_name}",
            "namespace": "kube-system",
            "labels": {"component": component, "tier": "control-plane"},
            "annotations": {
                "kubernetes.io/config.hash": config_hash,
                "kubernetes.io/config.mirror": config_hash,
                "kubernetes.io/config.seen": node["metadata"].get("creationTimestamp", ""),
                "kubernetes.io/config.source": "file",
            },
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "name": node_name,
                    "uid": node["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {
            "nodeName": node_name,
            "hostNetwork": True,
            "containers": [
                {
                    "name": component,
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "command": command,
                }
            ],
            "tolerations": [{"operator": "Exists", "effect": "NoExecute"}],
            "automountServiceAccountToken": False,
            **CRITICAL,
        },
    }


def kube_proxy_daemonset() -> Obj:
    labels = {"k8s-app": "kube-proxy"}
    return {
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "hostNetwork": True,
                    "serviceAccountName": "kube-proxy",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": TOLERATE_ALL,
                    "priorityClassName": "system-node-critical",
                    "containers": [
                        {
                            "name": "kube-proxy",
                            "image": _k8s_image("kube-proxy"),
                            "command": [
                                "/usr/local/bin/kube-proxy",
                                "--config=/var/lib/kube-proxy/config.conf",
                                "--hostname-override=$(NODE_NAME)",
                            ],
                            "env": [
                                {
                                    "name": "NODE_NAME",
                                    "valueFrom": {
                                        "fieldRef": {
                                            "apiVersion": "v1",
                                            "fieldPath": "spec.nodeName",
                                        }
                                    },
                                }
                            ],
                        }
                    ],
                },
            },
        },
    }


def kindnet_daemonset() -> Obj:
    labels = {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}
    return {
        "metadata": {"name": "kindnet", "namespace": "kube-system", "labels": labels},
        "spec": {
            "selector": {"matchLabels": {"app": "kindnet"}},
            "template": {
                "metadata": {"labels": {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}},
                "spec": {
                    "hostNetwork": True,
                    "serviceAccountName": "kindnet",
                    "tolerations": TOLERATE_ALL,
                    "containers": [
                        {
                            "name": "kindnet-cni",
                            "image": KINDNET_IMAGE,
                            "env": [
                                {
                                    "name": "HOST_IP",
                                    "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}},
                                },
                                {
                                    "name": "POD_IP",
                                    "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}},
                                },
                                {"name": "POD_SUBNET", "value": POD_CIDR},
                            ],
                        }
                    ],
                },
            },
        },
    }


def coredns_deployment() -> Obj:
    labels = {"k8s-app": "kube-dns"}
    return {
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 1, "maxSurge": "25%"},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "dnsPolicy": "Default",
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                    "containers": [
                        {
                            "name": "coredns",
                            "image": COREDNS_IMAGE,
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "ports": [
                                {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
                                {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
                            ],
                        }
                    ],
                },
            },
        },
    }


def coredns_configmap() -> Obj:
    return {
        "metadata": {"name": "coredns", "namespace": "kube-system"},
        "data": {"Corefile": COREFILE},
    }


def kube_dns_service() -> Obj:
    return {
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {
                "k8s-app": "kube-dns",
                "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS",
            },
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        },
        "spec": {
            "selector": {"k8s-app": "kube-dns"},
            "clusterIP": DNS_SERVICE_IP,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
        },
    }


def kubernetes_service_cidr() -> Obj:
    """The default ServiceCIDR the API server creates from `--service-cluster-ip-range`."""
    return {"metadata": {"name": "kubernetes"}, "spec": {"cidrs": [str(SERVICE_CIDR)]}}


def kubernetes_service() -> Obj:
    return {
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": KUBERNETES_SERVICE_IP,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
        },
    }


def kubernetes_endpoints() -> Obj:
    return {
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [
            {
                "addresses": [{"ip": node_ip(0)}],
                "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
            }
        ],
    }


def kubernetes_slice() -> Obj:
    return {
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [node_ip(0)], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    }
