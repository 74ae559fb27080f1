"""exec, dns, http (in-cluster and from the host), env and endpoints against the simulator's pods,
through the real Python client's exec stream and the probe pod."""

from __future__ import annotations

import dataclasses
import random
import socket
import time
from typing import Any

import pytest
from pydantic import TypeAdapter

from kubelab.cluster.base import HOST_PORTS_PATH, served_ports, served_problem
from kubelab.cluster.client import KubeClient
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import evaluate_once, run_check, run_checks
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)
CLUSTER_IP = {"from": {"kind": "Service", "name": "my-nginx"}, "path": "spec.clusterIP"}


def check(**fields: Any) -> Any:
    return SPEC.validate_python({"name": "n", "explain": "e", "timeout": 20, **fields})


def service(node_port: bool = False) -> dict[str, Any]:
    port: dict[str, Any] = {"port": 80, "protocol": "TCP"}
    spec: dict[str, Any] = {"selector": {"run": "my-nginx"}, "ports": [port]}
    if node_port:
        spec["type"] = "NodePort"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-nginx"}, "spec": spec}


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


@pytest.fixture
def nginx(client: KubeClient, ctx: CheckContext) -> CheckContext:
    """A Service (created first, so pods get its env vars) and two Ready nginx pods."""
    client.create(service())
    client.create(DEPLOYMENT)
    ready = run_check(check(kind="endpoints", service="my-nginx", ready=2, timeout=30), ctx)
    assert ready.status == "passed", ready.message
    return ctx


def test_six_kinds_pass_together(nginx: CheckContext) -> None:
    specs = [
        check(kind="endpoints", service="my-nginx", match_selector=True),
        check(
            kind="env",
            pod={"selector": {"run": "my-nginx"}},
            variable="MY_NGINX_SERVICE_HOST",
            equals=CLUSTER_IP,
        ),
        check(kind="dns", query="my-nginx", expect={"addresses": CLUSTER_IP}),
        check(kind="http", url="http://my-nginx/", expect={"body_contains": ["Welcome to nginx!"]}),
        check(
            kind="exec",
            pod={"selector": {"run": "my-nginx"}},
            command=["cat", "/etc/resolv.conf"],
            expect={"stdout_contains": [f"{nginx.namespace}.svc.cluster.local"]},
        ),
        check(kind="dns", query="nope", expect={"nxdomain": True}),
    ]
    results = run_checks(specs, nginx)
    assert [r.status for r in results] == ["passed"] * 6, [r.message for r in results]


def test_failures_name_what_was_found(client: KubeClient, nginx: CheckContext) -> None:
    wrong_dns = evaluate_once(check(kind="dns", query="my-nginx", expect={"addresses": "1.2.3.4"}),
                              nginx)  # fmt: skip
    assert wrong_dns.status == "failed" and "should resolve to 1.2.3.4" in wrong_dns.message
    not_found = evaluate_once(check(kind="http", url="http://my-nginx/missing"), nginx)
    assert not_found.status == "failed"
    assert "should be 200 OK; it is 404 Not Found" in not_found.message
    refused = evaluate_once(check(kind="http", url="http://my-nginx:8080/"), nginx)
    assert refused.status == "failed"
    unset = evaluate_once(
        check(kind="env", pod={"selector": {"run": "my-nginx"}}, variable="NOT_THERE"), nginx
    )
    assert unset.status == "failed" and "no variable NOT_THERE" in unset.message
    exit_code = evaluate_once(
        check(kind="exec", pod={"selector": {"run": "my-nginx"}}, command=["false"]), nginx
    )
    assert (
        exit_code.status == "failed" and "the exit code should be 0; it is 1" in exit_code.message
    )


def test_selector_change_is_diagnosed(client: KubeClient, nginx: CheckContext) -> None:
    client.patch("v1", "Service", "my-nginx", {"spec": {"selector": {"run": "nginx"}}})
    result = run_check(check(kind="endpoints", service="my-nginx", min_ready=1, timeout=1), nginx)
    assert result.status == "failed"
    assert any("run=my-nginx" in cause for cause in result.diagnosis), result.diagnosis


def on_this_machine(ctx: CheckContext) -> CheckContext:
    """`ctx` on a lab whose nodePorts the simulator serves on 127.0.0.1, as the sim provider's."""
    assert ctx.cluster is not None
    lab = dataclasses.replace(
        ctx.cluster,
        capabilities=frozenset({"nodeport-from-host"}),
        nodeport_host="127.0.0.1",
        host_ports_path=HOST_PORTS_PATH,
    )
    return dataclasses.replace(ctx, cluster=lab)


def test_http_from_the_host_through_a_node_port(client: KubeClient, ctx: CheckContext) -> None:
    client.create(service(node_port=True))
    client.create(DEPLOYMENT)
    host_ctx = on_this_machine(ctx)
    spec = check(
        kind="http",
        host={"service": "my-nginx", "port": 80, "via": "nodePort"},
        expect={"body_contains": ["Welcome to nginx!"]},
    )
    result = run_check(spec, host_ctx)
    assert result.status == "passed", result.message


def listen_in_the_node_port_range() -> socket.socket:
    """A listener on 127.0.0.1 at a port of 30000-32767 (whatever program a learner runs)."""
    for port in random.Random().sample(range(30000, 32768), 200):
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            held.bind(("127.0.0.1", port))
        except OSError:
            held.close()
            continue
        held.listen()
        return held
    raise AssertionError("no free port in 30000-32767 on 127.0.0.1")


def test_a_node_port_taken_on_this_machine_is_named_in_the_failure(
    client: KubeClient, ctx: CheckContext
) -> None:
    held = listen_in_the_node_port_range()
    taken = held.getsockname()[1]
    try:
        created = service(node_port=True)
        created["spec"]["ports"][0]["nodePort"] = taken
        client.create(created)
        deadline = time.monotonic() + 20
        while not served_problem(
            served_ports(client.read_path(HOST_PORTS_PATH), ctx.namespace, "my-nginx"),
            80,
            "nodePort",
        ):
            assert time.monotonic() < deadline, "the simulator never said the port is taken"
            time.sleep(0.1)
        spec = check(kind="http", host={"service": "my-nginx", "port": 80, "via": "nodePort"})
        result = evaluate_once(spec, on_this_machine(ctx))
    finally:
        held.close()
    assert result.status == "failed"
    assert (
        f"port 80 is not reachable from this machine via nodePort: 127.0.0.1:{taken} is not "
        "available" in result.message
    ), result.message


def test_a_probe_that_cannot_start_is_an_error_not_a_failure(ctx: CheckContext) -> None:
    ctx.probe_image = "radial/busyboxplus:curl"  # a schema-1 image current runtimes refuse
    specs = [
        check(kind="dns", query="my-nginx", expect={"nxdomain": True}),
        check(kind="http", url="http://my-nginx/"),
    ]
    results = run_checks(specs, ctx)
    assert [r.status for r in results] == ["error", "error"], [r.message for r in results]
    assert "probe pod" in results[0].message
    assert "ErrImagePull" in results[0].message or "ImagePullBackOff" in results[0].message
