"""`assert` with `any_of` alternatives, and live values in exec expectations, against the fake
cluster."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from kubelab.cluster.client import ExecResult
from kubelab.grading.context import CheckContext
from kubelab.grading.engine import evaluate_once
from tests.unit.grading.test_checks import check

EITHER_PORT = {
    "kind": "assert",
    "object": {"kind": "Service", "name": "web"},
    "match": {"spec": {"selector": {"app": "web"}}},
    "any_of": [
        {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}},
        {"spec": {"ports": [{"port": 80, "targetPort": "http"}]}},
    ],
}


@pytest.mark.parametrize(("target", "passes"), [(8080, True), ("http", True), (9090, False)])
def test_any_of_accepts_each_alternative(
    fake: Any, ctx: CheckContext, build: Any, target: int | str, passes: bool
) -> None:
    fake.add(build.service("web", {"app": "web"}, target=target))
    outcome = evaluate_once(check(**EITHER_PORT), ctx)
    assert (outcome.status == "passed") is passes, outcome.message
    if not passes:
        assert "none of the 2 alternatives fits" in outcome.message


def test_any_of_still_needs_the_common_match(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.service("web", {"app": "other"}, target="http"))
    outcome = evaluate_once(check(**EITHER_PORT), ctx)
    assert outcome.status == "failed" and "spec.selector.app" in outcome.message


def test_an_assert_needs_something_to_match() -> None:
    with pytest.raises(ValidationError, match="give 'match', 'any_of' or both"):
        check(kind="assert", object={"kind": "Service", "name": "web"})


def test_exec_expectation_with_a_live_value(fake: Any, ctx: CheckContext, build: Any) -> None:
    fake.add(build.pod("a", {"run": "x"}, "10.244.0.5"))
    spec = check(
        kind="exec",
        pod={"name": "a"},
        command=["nslookup", "web"],
        expect={
            "stdout_contains": [
                {"from": {"kind": "Service", "name": "web"}, "path": "spec.clusterIP"}
            ]
        },
    )
    fake.exec_handler = lambda pod, cmd: ExecResult(0, "Address: 10.96.0.50\n", "")
    missing = evaluate_once(spec, ctx)
    assert missing.status == "failed" and "does not exist" in missing.message
    fake.add(build.service("web", {"app": "web"}, cluster_ip="10.96.0.50"))
    assert evaluate_once(spec, ctx).status == "passed"
    fake.add(build.service("web", {"app": "web"}, cluster_ip="10.96.0.51"))
    outcome = evaluate_once(spec, ctx)
    assert outcome.status == "failed"
    assert "should contain '10.96.0.51'; it does not" in outcome.message


def test_a_submissions_yaml_error_is_located(fake: Any, tmp_path: Any) -> None:
    from kubelab.grading.submission import apply_submission

    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [80\n"
    )
    step = apply_submission(fake, tmp_path, "lab", {"namespace": "lab"})
    message = step.checks[0].message
    assert message.startswith("svc.yaml:6:10: invalid YAML: the '[' here is never closed"), message
    assert "<unicode string>" not in message
