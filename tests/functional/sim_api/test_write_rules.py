"""Write rules over HTTP in-process: managedFields ownership, type errors, Warning headers."""

from __future__ import annotations

import json
from typing import Any

from kubelab.sim.server.responses import quote_warning

from .conftest import Api

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
SECRETS = "/api/v1/namespaces/default/secrets"
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def managers(obj: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): e["fieldsV1"]
        for e in obj["metadata"].get("managedFields", [])
    }


async def test_creator_owns_the_defaulted_fields(api: Api) -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s-default"}}
    status, created, _ = await api.call("POST", f"{SECRETS}?fieldManager=maker", secret)
    assert status == 201 and created["type"] == "Opaque"
    assert "f:type" in managers(created)[("maker", "Update", "")]


async def test_an_apply_that_only_shares_ownership_is_recorded(api: Api) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared"}}
    body = json.dumps(dict(cm, data={"x": "1"})).encode()
    status, _, _ = await api.call(
        "PATCH", f"{CONFIGMAPS}/shared?fieldManager=a", data=body, headers=APPLY
    )
    assert status == 201
    # Same value from a second manager: no value changes, only ownership (shared).
    status, second, _ = await api.call(
        "PATCH", f"{CONFIGMAPS}/shared?fieldManager=b", data=body, headers=APPLY
    )
    assert status == 200
    owners = managers(second)
    assert "f:x" in owners[("a", "Apply", "")]["f:data"]
    assert "f:x" in owners[("b", "Apply", "")]["f:data"]
    # a stops sending x: b still owns it, so it stays; then b stops too: it goes.
    empty = json.dumps(cm).encode()
    await api.call("PATCH", f"{CONFIGMAPS}/shared?fieldManager=a", data=empty, headers=APPLY)
    status, got, _ = await api.call("GET", f"{CONFIGMAPS}/shared")
    assert got.get("data") == {"x": "1"}
    await api.call("PATCH", f"{CONFIGMAPS}/shared?fieldManager=b", data=empty, headers=APPLY)
    status, got, _ = await api.call("GET", f"{CONFIGMAPS}/shared")
    assert not got.get("data")


async def test_apply_to_status_is_owned_by_the_status_subresource(api: Api) -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns-status"}}
    status, _, _ = await api.call("POST", "/api/v1/namespaces", ns)
    assert status == 201
    condition = {"type": "Tidy", "status": "True", "reason": "Tested", "message": "ok"}
    applied = dict(ns, status={"conditions": [condition]})
    status, got, _ = await api.call(
        "PATCH",
        "/api/v1/namespaces/ns-status/status?fieldManager=ctl&force=true",
        data=json.dumps(applied).encode(),
        headers=APPLY,
    )
    assert status == 200, got
    assert got["status"]["conditions"] == [condition]
    owned = managers(got)
    assert ("ctl", "Apply", "status") in owned and ("ctl", "Apply", "") not in owned


async def test_values_of_the_wrong_type_are_rejected(api: Api) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "typed"}, "data": {"a": 1}}
    status, err, _ = await api.call("POST", CONFIGMAPS, cm)
    assert status == 400 and err["reason"] == "BadRequest"
    assert err["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "number into Go struct field ConfigMap.data of type string"
    )
    status, _, _ = await api.call("POST", CONFIGMAPS, dict(cm, data={"a": "1"}))
    assert status == 201
    patch = json.dumps({"data": {"a": 2}}).encode()
    status, err, _ = await api.call(
        "PATCH",
        f"{CONFIGMAPS}/typed",
        data=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status == 400 and "cannot unmarshal number" in err["message"]
    status, got, _ = await api.call("GET", f"{CONFIGMAPS}/typed")
    assert got["data"] == {"a": "1"}


def test_warning_headers_are_escaped() -> None:
    assert quote_warning('say "hi"\\') == '299 - "say \\"hi\\"\\\\"'
    assert quote_warning("two\r\nlines\x00") == '299 - "two  lines "'
