"""The wire formats through real kubectl 1.37 against the simulator (the `sim` fixture).

Each test works in its own namespace so the shared simulator's state does not matter.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels:
    run: my-nginx
spec:
  ports:
  - port: {port}
    protocol: TCP
  selector:
    run: my-nginx
"""


@pytest.fixture
def ns(kubectl: Kubectl) -> str:
    name = f"wire-{uuid.uuid4().hex[:8]}"
    kubectl("create", "namespace", name, check=True)  # a protobuf body
    return name


def _write(tmp_path: Path, text: str, name: str = "obj.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_explain_service_spec_ports(kubectl: Kubectl) -> None:
    out = kubectl("explain", "service.spec.ports", check=True).stdout
    assert "FIELD: ports <[]ServicePort>" in out
    assert "port\t<integer> -required-" in out
    assert "targetPort\t<IntOrString>" in out
    out = kubectl("explain", "service.spec.type", check=True).stdout
    assert "ENUM:\n    ClusterIP\n    ExternalName\n    LoadBalancer\n    NodePort\n" in out


def test_apply_twice_then_change_then_strict_typo(
    kubectl: Kubectl, ns: str, tmp_path: Path
) -> None:
    first = _write(tmp_path, SERVICE.format(port=80))
    assert kubectl("apply", "-n", ns, "-f", first, check=True).stdout.strip() == (
        "service/my-nginx created"
    )
    assert kubectl("apply", "-n", ns, "-f", first, check=True).stdout.strip() == (
        "service/my-nginx unchanged"
    )
    second = _write(tmp_path, SERVICE.format(port=8080), "second.yaml")
    assert "configured" in kubectl("apply", "-n", ns, "-f", second, check=True).stdout
    ports = kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "jsonpath={.spec.ports}").stdout
    assert [p["port"] for p in json.loads(ports)] == [8080]  # the old port was deleted by SMP
    typo = SERVICE.format(port=8080).replace("  selector:", "  portz: 1\n  selector:")
    result = kubectl("apply", "-n", ns, "-f", _write(tmp_path, typo, "typo.yaml"))
    assert result.returncode != 0
    assert 'strict decoding error: unknown field "spec.portz"' in result.stderr


def test_typed_create_commands_send_protobuf(kubectl: Kubectl, ns: str) -> None:
    for args in (
        ["deployment", "web", "--image=nginx:1.27", "--replicas=0", "--port=80"],
        ["service", "nodeport", "np", "--tcp=80:8080"],
        ["configmap", "cfg", "--from-literal=a=b"],
        ["secret", "generic", "sec", "--from-literal=pw=hunter2"],
        ["serviceaccount", "robot"],
    ):
        kubectl("create", *args, "-n", ns, check=True)
    deployment = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json").stdout)
    assert deployment["spec"]["replicas"] == 0
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    cm = json.loads(kubectl("get", "cm", "cfg", "-n", ns, "-o", "json").stdout)
    assert cm["data"] == {"a": "b"}
    secret = json.loads(kubectl("get", "secret", "sec", "-n", ns, "-o", "json").stdout)
    assert secret["data"] == {"pw": "aHVudGVyMg=="}


def test_patch_types_and_json_patch_test_failure(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "-n", ns, check=True)
    kubectl("label", "deployment", "web", "tier=frontend", "-n", ns, check=True)
    kubectl(
        "patch",
        "deployment",
        "web",
        "-n",
        ns,
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/replicas","value":0}]',
        check=True,
    )
    kubectl(
        "patch",
        "deployment",
        "web",
        "-n",
        ns,
        "-p",
        '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}',
        check=True,
    )
    got = kubectl(
        "get",
        "deploy",
        "web",
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} "
        "{.metadata.labels.tier}",
    ).stdout
    assert got == "0 nginx:1.28 frontend"
    failed = kubectl(
        "patch",
        "deployment",
        "web",
        "-n",
        ns,
        "--type=json",
        "-p",
        '[{"op":"test","path":"/spec/replicas","value":7}]',
    )
    assert failed.returncode == 1
    assert "testing value /spec/replicas failed" in failed.stderr


def test_server_side_apply_conflict_and_force(kubectl: Kubectl, ns: str, tmp_path: Path) -> None:
    path = _write(tmp_path, SERVICE.format(port=80))
    assert (
        "serverside-applied"
        in kubectl("apply", "--server-side", "-n", ns, "-f", path, check=True).stdout
    )
    kubectl(
        "patch",
        "svc",
        "my-nginx",
        "-n",
        ns,
        "--type=merge",
        "-p",
        '{"spec":{"selector":{"run":"other"}}}',
        check=True,
    )
    result = kubectl("apply", "--server-side", "-n", ns, "-f", path)
    assert result.returncode == 1
    assert (
        'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .spec.selector'
        in result.stderr
    )
    kubectl("apply", "--server-side", "--force-conflicts", "-n", ns, "-f", path, check=True)
    svc = json.loads(
        kubectl("get", "svc", "my-nginx", "-n", ns, "-o", "json", "--show-managed-fields").stdout
    )
    assert svc["spec"]["selector"] == {"run": "my-nginx"}
    managers = {(e["manager"], e["operation"]) for e in svc["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
