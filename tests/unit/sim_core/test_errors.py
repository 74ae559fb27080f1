"""Status objects and their messages, as kube-apiserver words them."""

from __future__ import annotations

from kubelab.sim import errors


def test_not_found_status() -> None:
    status = errors.not_found("services", "nope").status()
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'services "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "services"},
        "code": 404,
    }


def test_invalid_messages_and_causes() -> None:
    one = errors.invalid("Service", "bad", [errors.required("spec.ports")])
    assert one.message == 'Service "bad" is invalid: spec.ports: Required value'
    assert one.details is not None
    assert one.details["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.ports"}
    ]
    two = errors.invalid(
        "Deployment",
        "d",
        [
            errors.invalid_value("spec.replicas", -1, "must be greater than or equal to 0"),
            errors.not_supported("spec.type", "Foo", ["ClusterIP", "NodePort"]),
        ],
        "apps",
    )
    assert two.message == (
        'Deployment.apps "d" is invalid: [spec.replicas: Invalid value: -1: must be greater '
        'than or equal to 0, spec.type: Unsupported value: "Foo": supported values: '
        '"ClusterIP", "NodePort"]'
    )


def test_conflict_and_exists() -> None:
    assert errors.stale("services", "my-nginx").message == (
        'Operation cannot be fulfilled on services "my-nginx": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert errors.already_exists("deployments", "x", "apps").message == (
        'deployments.apps "x" already exists'
    )
