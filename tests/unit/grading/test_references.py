"""Which objects a check is about: reports point a failed check at the submitted file defining
one of them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from kubelab.grading.references import named_objects
from kubelab.lessons.checks import CheckSpec

SPEC: TypeAdapter[Any] = TypeAdapter(CheckSpec)
BASE = {"name": "n", "explain": "e"}


@pytest.mark.parametrize(
    ("check", "objects"),
    [
        (
            {"kind": "assert", "object": {"kind": "Service", "name": "my-nginx"}, "match": {}},
            [("Service", "my-nginx")],
        ),
        ({"kind": "endpoints", "service": "web", "ready": 2}, [("Service", "web")]),
        (
            {"kind": "http", "url": "http://my-nginx.${namespace}.svc.cluster.local:8080/x"},
            [("Service", "my-nginx")],
        ),
        ({"kind": "http", "url": "http://10.96.0.10/"}, []),
        (
            {"kind": "dns", "query": "backend", "expect": {"nxdomain": True}},
            [("Service", "backend")],
        ),
        (
            {
                "kind": "env",
                "pod": {"selector": {"app": "web"}},
                "variable": "IP",
                "equals": {"from": {"kind": "Service", "name": "db"}, "path": "spec.clusterIP"},
            },
            [("Service", "db")],
        ),
    ],
)
def test_named_objects(check: dict[str, Any], objects: list[tuple[str, str]]) -> None:
    assert named_objects(SPEC.validate_python({**BASE, **check})) == objects
