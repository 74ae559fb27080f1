"""Check kinds against the simulator through the real Python client: pass, fail and error."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from kubelab.cluster.client import KubeClient
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import evaluate_once, run_check
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)


def check(**fields: Any) -> Any:
    return SPEC.validate_python({"name": "n", "explain": "e", "timeout": 5, **fields})


SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "my-nginx", "labels": {"run": "my-nginx"}},
    "spec": {"selector": {"run": "my-nginx"}, "ports": [{"port": 80, "protocol": "TCP"}]},
}


def test_assert_and_absent_on_a_real_service(client: KubeClient, ctx: CheckContext) -> None:
    spec = check(
        kind="assert",
        object={"kind": "Service", "name": "my-nginx"},
        match={
            "spec": {
                "type": "ClusterIP",
                "selector": {"run": "my-nginx"},
                "(ports[?port == `80`] | length(@))": 1,
                "(ports[0].targetPort)": 80,
            }
        },
    )
    gone = check(kind="absent", object={"kind": "Service", "name": "my-nginx"})
    assert evaluate_once(spec, ctx).status == "failed"
    assert evaluate_once(gone, ctx).status == "passed"
    client.create(SERVICE)
    assert evaluate_once(spec, ctx).status == "passed", evaluate_once(spec, ctx).message
    assert evaluate_once(gone, ctx).status == "failed"
    wrong = check(
        kind="assert",
        object={"kind": "Service", "name": "my-nginx"},
        match={"spec": {"selector": {"run": "nginx"}}},
    )
    outcome = evaluate_once(wrong, ctx)
    assert outcome.status == "failed" and outcome.diff
    assert "+    run: my-nginx" in outcome.diff


def test_diagnosis_of_a_selector_matching_nothing(client: KubeClient, ctx: CheckContext) -> None:
    # a selector value of this test's own: pods other tests left in other namespaces of the
    # shared simulator must not match it (the diagnosis would then point at them instead)
    unique = f"nothing-{ctx.namespace}"
    client.create(
        {
            **SERVICE,
            "metadata": {"name": "lonely"},
            "spec": {"selector": {"run": unique}, "ports": [{"port": 80}]},
        }
    )
    client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        }
    )
    result = run_check(check(kind="endpoints", service="lonely", min_ready=1, timeout=0.3), ctx)
    assert result.status == "failed"
    assert any("app=web" in line for line in result.diagnosis), result.diagnosis


def test_unknown_resource_type_is_an_error(ctx: CheckContext) -> None:
    spec = check(
        kind="assert",
        object={"apiVersion": "example.com/v1", "kind": "Widget", "name": "w"},
        match={},
    )
    outcome = evaluate_once(spec, ctx)
    assert outcome.status == "error"
