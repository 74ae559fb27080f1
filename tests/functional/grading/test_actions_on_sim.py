""" "Apply for me" after the learner's own kubectl work, on the simulator through real kubectl:
a field that cannot change is recreated, and the learner's next `kubectl apply -f` of an edited
file replaces what kubelab applied (kubelab records kubectl's last-applied configuration)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import apply_objects


def deployment(selector: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "my-nginx"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": selector},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
            },
        },
    }


def test_a_field_that_cannot_change_is_recreated(client: KubeClient, namespace: str) -> None:
    client.apply(deployment({"app": "my-nginx"}), namespace)  # the learner's own attempt
    done = apply_objects(client, [deployment({"run": "my-nginx"})], namespace, "solution.yaml")
    assert done[0].startswith("recreated Deployment/my-nginx"), done
    live = client.get("apps/v1", "Deployment", "my-nginx", namespace)
    assert live is not None
    assert live["spec"]["selector"]["matchLabels"] == {"run": "my-nginx"}


def test_the_learners_kubectl_apply_replaces_what_kubelab_applied(
    client: KubeClient, namespace: str, sim: Any, tmp_path: Path
) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "my-nginx"},
        "spec": {"selector": {"run": "my-nginx"}, "ports": [{"port": 80, "protocol": "TCP"}]},
    }
    apply_objects(client, [service], namespace, "nginx-svc.yaml")
    edited = {**service, "spec": {**service["spec"], "ports": [{"port": 8080, "targetPort": 80}]}}
    path = tmp_path / "nginx-svc.yaml"
    path.write_text(yaml.safe_dump(edited))
    done = sim.kubectl("apply", "-f", str(path), "-n", namespace)
    assert done.returncode == 0, done.stderr
    assert "last-applied-configuration" not in done.stderr
    live = client.get("v1", "Service", "my-nginx", namespace)
    assert live is not None
    assert [p["port"] for p in live["spec"]["ports"]] == [8080]
