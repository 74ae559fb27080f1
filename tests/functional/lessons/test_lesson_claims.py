"""What the lessons tell learners the cluster will answer is what it answers: the error messages
quoted in the steps, produced with real kubectl against the simulator."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from kubelab.lessons.loader import load_course

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
LESSONS = {item.lesson.id: item.lesson for item in load_course().lessons}


def body(lesson_id: str, step_id: str) -> str:
    step = LESSONS[lesson_id].step(step_id)
    assert step is not None
    return " ".join(step.body.split())


@pytest.fixture
def namespace(kubectl: Kubectl) -> Iterator[str]:
    name = f"claims-{secrets.token_hex(3)}"
    kubectl("create", "namespace", name, check=True)
    yield name
    kubectl("delete", "namespace", name, "--wait=false")


def apply(
    kubectl: Kubectl, namespace: str, obj: dict[str, Any]
) -> subprocess.CompletedProcess[str]:
    return kubectl("apply", "-n", namespace, "-f", "-", input=yaml.safe_dump(obj))


def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def test_nodeport_out_of_range_and_taken(kubectl: Kubectl, namespace: str) -> None:
    text = body("nodeport", "let-kubernetes-choose")
    out_of_range = apply(
        kubectl,
        namespace,
        service("my-nginx-auto", type="NodePort", ports=[{"port": 80, "nodePort": 80}]),
    )
    assert out_of_range.returncode != 0
    expected = (
        'The Service "my-nginx-auto" is invalid: spec.ports[0].nodePort: Invalid value: 80: '
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
    )
    assert expected in out_of_range.stderr
    assert expected in text

    port = 30000 + secrets.randbelow(2767)
    first = apply(
        kubectl,
        namespace,
        service("holder", type="NodePort", ports=[{"port": 80, "nodePort": port}]),
    )
    assert first.returncode == 0, first.stderr
    taken = apply(
        kubectl,
        namespace,
        service("my-nginx-auto", type="NodePort", ports=[{"port": 80, "nodePort": port}]),
    )
    assert taken.returncode != 0
    assert f"spec.ports[0].nodePort: Invalid value: {port}: provided port is already allocated" in (
        taken.stderr
    )
    assert (
        "spec.ports[0].nodePort: Invalid value: ${node_port}: provided port is already allocated"
        in text
    )


def test_unnamed_second_port_is_refused(kubectl: Kubectl, namespace: str) -> None:
    ports = [{"port": 80, "targetPort": 80}, {"port": 443, "targetPort": 443}]
    refused = apply(kubectl, namespace, service("webserver", selector={"app": "web"}, ports=ports))
    assert refused.returncode != 0
    text = body("multiple-ports", "two-named-ports")
    for expected in (
        'The Service "webserver" is invalid:',
        "* spec.ports[0].name: Required value",
        "* spec.ports[1].name: Required value",
    ):
        assert expected in refused.stderr
        assert expected in text


def test_the_tutorials_broken_indentation_is_not_yaml(kubectl: Kubectl, namespace: str) -> None:
    broken = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: webserver\nspec:\n selector:\n"
        "   app: web\n  ports:\n  - port: 80\n"
    )
    done = kubectl("apply", "-n", namespace, "-f", "-", input=broken)
    assert done.returncode != 0
    assert "error converting YAML to JSON" in done.stderr
    assert "error converting YAML to JSON" in body("multiple-ports", "two-named-ports")


def test_the_tutorials_cluster_ip_is_taken_and_outside_the_range_is_refused(
    kubectl: Kubectl, namespace: str
) -> None:
    text = body("fixed-cluster-ip", "choose-the-ip")
    kubernetes = kubectl(
        "get", "svc", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}"
    )
    assert kubernetes.stdout == "10.96.0.1"
    taken = apply(
        kubectl, namespace, service("my-nginx", clusterIP="10.96.0.1", ports=[{"port": 80}])
    )
    assert taken.returncode != 0
    expected = (
        'spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP '
        "10.96.0.1: provided IP is already allocated"
    )
    assert expected in taken.stderr
    assert expected in text
    outside = apply(
        kubectl, namespace, service("my-nginx", clusterIP="10.0.0.5", ports=[{"port": 80}])
    )
    assert outside.returncode != 0
    assert "the provided network does not match the current range" in outside.stderr
    assert "the provided network does not match the current range" in text


def test_the_tutorials_curl_image_cannot_be_pulled(kubectl: Kubectl, namespace: str) -> None:
    assert "can no longer pull" in body("dns", "client-pod")
    done = kubectl(
        "run", "curl", "-n", namespace, "--image=radial/busyboxplus:curl", "--", "sleep", "60"
    )
    assert done.returncode == 0, done.stderr
    waited = kubectl(
        "wait", "-n", namespace, "pod/curl", "--timeout=30s",
        "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff",
        timeout=40,
    )  # fmt: skip
    if waited.returncode != 0:
        reason = kubectl("get", "-n", namespace, "pod/curl", "-o", "yaml").stdout
        assert "ErrImagePull" in reason or "ImagePullBackOff" in reason, reason


def test_a_cluster_ip_may_not_change(kubectl: Kubectl, namespace: str) -> None:
    created = apply(kubectl, namespace, service("my-nginx", ports=[{"port": 80}]))
    assert created.returncode == 0, created.stderr
    other = "10.96.0.250"
    patch = f'{{"spec":{{"clusterIP":"{other}","clusterIPs":["{other}"]}}}}'
    done = kubectl("patch", "svc", "my-nginx", "-n", namespace, "-p", patch)
    assert done.returncode != 0
    said = f'spec.clusterIPs[0]: Invalid value: []string{{"{other}"}}: may not change once set'
    assert said in done.stderr
    text = body("fixed-cluster-ip", "move-the-ip")
    assert said.replace(other, "${other_ip}") in text
