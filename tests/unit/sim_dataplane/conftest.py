"""Fixtures for the data-plane unit tests: a small cluster of API objects and a way to run
commands inside one of its pods (no server, no store: a `StaticView` over plain dicts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kubelab.sim.dataplane.cluster_net import ClusterNetwork, StaticView
from kubelab.sim.dataplane.container import ContainerContext, resolv_for
from kubelab.sim.dataplane.images import lookup
from kubelab.sim.dataplane.pipes import Collector, Pipe
from kubelab.sim.dataplane.pods import filesystem
from kubelab.sim.dataplane.runtime import DataplaneRuntime
from kubelab.sim.dataplane.sessions import process_env
from kubelab.sim.dataplane.shell.invoke import run_shell_argv
from kubelab.sim.dataplane.shell.programs import find_program
from kubelab.sim.dataplane.shell.streams import IO

Obj = dict[str, Any]
CREATED = "2026-01-01T00:00:00Z"


def make_pod(
    name: str,
    ip: str,
    image: str,
    labels: dict[str, str] | None = None,
    ns: str = "default",
    node: str = "kubelab-worker",
    phase: str = "Running",
    args: list[str] | None = None,
    command: list[str] | None = None,
    ports: list[int] | None = None,
) -> Obj:
    container: Obj = {"name": name.split("-")[0], "image": image}
    if args is not None:
        container["args"] = args
    if command is not None:
        container["command"] = command
    if ports:
        container["ports"] = [{"containerPort": p, "protocol": "TCP"} for p in ports]
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"uid-{ns}-{name}",
            "labels": labels or {},
            "creationTimestamp": CREATED,
        },
        "spec": {"containers": [container], "nodeName": node},
        "status": {
            "phase": phase,
            "podIP": ip if phase == "Running" else "",
            "startTime": "2026-01-01T00:00:10Z",
            "containerStatuses": [
                {
                    "name": container["name"],
                    "state": {"running": {"startedAt": "2026-01-01T00:00:10Z"}}
                    if phase == "Running"
                    else {"waiting": {"reason": "ContainerCreating"}},
                }
            ],
        },
    }


def make_service(
    name: str,
    ports: list[Obj],
    ns: str = "default",
    cluster_ip: str | None = None,
    svc_type: str = "ClusterIP",
    selector: dict[str, str] | None = None,
    external_name: str | None = None,
    lb_ip: str | None = None,
    affinity: str = "None",
) -> Obj:
    spec: Obj = {"type": svc_type, "ports": ports, "sessionAffinity": affinity}
    if cluster_ip is not None:
        spec["clusterIP"] = cluster_ip
        spec["clusterIPs"] = [cluster_ip]
    if selector:
        spec["selector"] = selector
    if external_name:
        spec["externalName"] = external_name
    status: Obj = {"loadBalancer": {"ingress": [{"ip": lb_ip}]} if lb_ip else {}}
    return {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": f"svc-{ns}-{name}",
            "creationTimestamp": CREATED,
        },
        "spec": spec,
        "status": status,
    }


def make_slice(
    service: str,
    endpoints: list[tuple[str, bool]],
    ports: list[Obj],
    ns: str = "default",
    hostnames: dict[str, str] | None = None,
) -> Obj:
    return {
        "metadata": {
            "name": f"{service}-abcde",
            "namespace": ns,
            "labels": {"kubernetes.io/service-name": service},
        },
        "addressType": "IPv4",
        "ports": ports,
        "endpoints": [
            {
                "addresses": [ip],
                "conditions": {"ready": ready},
                **({"hostname": hostnames[ip]} if hostnames and ip in hostnames else {}),
            }
            for ip, ready in endpoints
        ],
    }


def make_node(name: str, ip: str) -> Obj:
    return {
        "metadata": {"name": name},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": ip},
                {"type": "Hostname", "address": name},
            ]
        },
    }


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str


@dataclass
class World:
    """A small cluster: the seed's my-nginx (2 nginx pods, NodePort 30080 and an LB IP),
    agnhost `hostnames` (3 pods), a headless Service, an ExternalName, a Service without
    endpoints, kube-dns, and a busybox client pod."""

    services: list[Obj] = field(default_factory=list)
    slices: list[Obj] = field(default_factory=list)
    pods: list[Obj] = field(default_factory=list)
    nodes: list[Obj] = field(default_factory=list)
    runtime: DataplaneRuntime = field(default_factory=DataplaneRuntime)

    @property
    def view(self) -> StaticView:
        return StaticView(
            self.services, self.slices, self.pods, self.nodes, ["default", "kube-system"]
        )

    def pod(self, name: str) -> Obj:
        return next(p for p in self.pods if p["metadata"]["name"] == name)

    def context(self, pod_name: str, env: dict[str, str] | None = None) -> ContainerContext:
        pod = self.pod(pod_name)
        c = pod["spec"]["containers"][0]
        image = lookup(c["image"])
        ip = pod["status"]["podIP"]
        resolv = resolv_for(pod["metadata"]["namespace"])
        net = ClusterNetwork(
            self.view, self.runtime, client_ip=ip, resolv=resolv, hosts={pod_name: ip}, own_pod=pod
        )
        return ContainerContext(
            pod["metadata"]["namespace"],
            pod_name,
            c["name"],
            image,
            net,
            process_env(image, pod, list((env or {}).items())),
            pod_ip=ip,
            fs=filesystem(self.runtime, pod, c),
            resolv=resolv,
        )

    async def sh(self, script: str, pod: str = "client", stdin: str = "") -> Result:
        return await self.run(["sh", "-c", script], pod, stdin)

    async def run(self, argv: list[str], pod: str = "client", stdin: str = "") -> Result:
        ctx = self.context(pod)
        out, err = Collector(), Collector()
        program = find_program(ctx, argv[0])
        if program is None:
            return Result(-1, "", "not found")
        if argv[0] in ("sh", "bash"):
            status = await run_shell_argv(
                ctx, argv, IO(Pipe.of(stdin), out, err), ctx.env, "/", "sh"
            )
        else:
            status = await program(argv, IO(Pipe.of(stdin), out, err), ctx.env, "/")
        return Result(status, out.text, err.text)


NGINX_PORT = [{"name": "", "port": 80, "protocol": "TCP"}]


def build_world() -> World:
    w = World()
    w.nodes = [
        make_node("kubelab-control-plane", "172.18.0.2"),
        make_node("kubelab-worker", "172.18.0.3"),
    ]
    w.pods = [
        make_pod("my-nginx-abc-1", "10.244.1.2", "nginx", {"run": "my-nginx"}),
        make_pod("my-nginx-abc-2", "10.244.2.3", "nginx", {"run": "my-nginx"}),
        *[
            make_pod(
                f"hostnames-xyz-{i}",
                f"10.244.1.{10 + i}",
                "registry.k8s.io/e2e-test-images/agnhost:2.39",
                {"app": "hostnames"},
                args=["serve-hostname"],
            )
            for i in range(3)
        ],
        make_pod("echo-1", "10.244.2.20", "hashicorp/http-echo", args=["-text=hello from echo"]),
        make_pod("custom-1", "10.244.2.21", "example.com/shop:1.0", ports=[8080]),
        make_pod("client", "10.244.1.50", "busybox:1.37"),
        make_pod("old", "10.244.1.51", "busybox:1.28"),
        make_pod("curler", "10.244.1.52", "curlimages/curl"),
        make_pod("pending-1", "", "nginx", {"app": "pending"}, phase="Pending"),
    ]
    w.services = [
        make_service(
            "kube-dns",
            [{"name": "dns", "port": 53, "protocol": "UDP"}],
            ns="kube-system",
            cluster_ip="10.96.0.10",
        ),
        make_service(
            "my-nginx",
            [{"name": "", "port": 80, "protocol": "TCP", "targetPort": 80, "nodePort": 30080}],
            cluster_ip="10.96.162.149",
            svc_type="LoadBalancer",
            lb_ip="172.18.255.200",
        ),
        make_service(
            "hostnames",
            [{"name": "", "port": 80, "protocol": "TCP", "targetPort": 9376}],
            cluster_ip="10.96.5.5",
        ),
        make_service("headless", [{"name": "", "port": 80, "protocol": "TCP"}], cluster_ip="None"),
        make_service("ext", [], svc_type="ExternalName", external_name="my.database.example.com"),
        make_service(
            "empty", [{"name": "", "port": 80, "protocol": "TCP"}], cluster_ip="10.96.7.7"
        ),
        make_service(
            "echo", [{"name": "http", "port": 8080, "protocol": "TCP"}], cluster_ip="10.96.8.8"
        ),
    ]
    w.slices = [
        make_slice("my-nginx", [("10.244.1.2", True), ("10.244.2.3", True)], NGINX_PORT),
        make_slice(
            "hostnames",
            [(f"10.244.1.{10 + i}", True) for i in range(3)],
            [{"name": "", "port": 9376, "protocol": "TCP"}],
        ),
        make_slice(
            "headless",
            [("10.244.1.2", True), ("10.244.2.3", True), ("10.244.9.9", False)],
            NGINX_PORT,
        ),
        make_slice("empty", [("10.244.9.8", False)], NGINX_PORT),
        make_slice(
            "echo", [("10.244.2.20", True)], [{"name": "http", "port": 5678, "protocol": "TCP"}]
        ),
    ]
    return w


@pytest.fixture
def world() -> World:
    return build_world()


Runner = Callable[..., Awaitable[Result]]
