"""The API server over HTTP in-process: discovery, auth, verbs, Tables, watches, errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from .conftest import Api

WIDGETS = "/apis/example.dev/v1/namespaces/default/widgets"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


def widget(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.dev/v1",
        "kind": "Widget",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}}, **spec},
    }


async def test_auth_required_except_health(api: Api) -> None:
    resp = await api.client.get("/api/v1/namespaces")
    assert resp.status == 401
    assert (await resp.json())["reason"] == "Unauthorized"
    resp = await api.client.get("/api", headers={"Authorization": "Bearer wrong"})
    assert resp.status == 401
    for path in ("/livez", "/readyz", "/healthz", "/version"):
        assert (await api.client.get(path)).status == 200
    version = await (await api.client.get("/version")).json()
    assert version["major"] == "1" and version["minor"] == "37"


async def test_aggregated_and_legacy_discovery(api: Api) -> None:
    status, body, headers = await api.call("GET", "/apis", headers={"Accept": AGGREGATED})
    assert status == 200
    assert headers["Content-Type"] == (
        "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    )
    groups = {item["metadata"].get("name") for item in body["items"]}
    assert {"example.dev", "events.k8s.io"} <= groups
    [ex] = [i for i in body["items"] if i["metadata"].get("name") == "example.dev"]
    [res] = ex["versions"][0]["resources"]
    assert res["shortNames"] == ["wd"] and res["categories"] == ["all"]
    subs = {s["subresource"]: s["responseKind"]["kind"] for s in res["subresources"]}
    assert subs == {"status": "Widget", "scale": "Scale"}
    status, core, _ = await api.call("GET", "/api", headers={"Accept": AGGREGATED})
    names = {r["resource"] for r in core["items"][0]["versions"][0]["resources"]}
    assert {"namespaces", "configmaps", "secrets", "serviceaccounts", "events"} <= names
    status, legacy, headers = await api.call("GET", "/api/")
    assert legacy["kind"] == "APIVersions" and headers["Content-Type"] == "application/json"
    status, rl, _ = await api.call("GET", "/api/v1/")
    assert rl["kind"] == "APIResourceList"
    assert any(r["name"] == "configmaps" and r["shortNames"] == ["cm"] for r in rl["resources"])
    status, rl, _ = await api.call("GET", "/apis/example.dev/v1")
    assert {r["name"] for r in rl["resources"]} == {"widgets", "widgets/status", "widgets/scale"}
    status, group, _ = await api.call("GET", "/apis/example.dev")
    assert group["kind"] == "APIGroup" and group["preferredVersion"]["version"] == "v1"


async def test_crud_and_errors(api: Api) -> None:
    status, created, headers = await api.call("POST", WIDGETS, widget("w1", color="red"))
    assert status == 201 and created["metadata"]["generation"] == 1
    assert headers["Warning"] == '299 - "example.dev/v1 Widget is deprecated"'
    status, err, _ = await api.call("POST", WIDGETS, widget("w1"))
    assert (status, err["reason"]) == (409, "AlreadyExists")
    status, got, _ = await api.call("GET", f"{WIDGETS}/w1")
    assert got["spec"]["color"] == "red"
    stale = dict(got, spec=dict(got["spec"], color="blue"))
    status, updated, _ = await api.call("PUT", f"{WIDGETS}/w1", stale)
    assert status == 200 and updated["metadata"]["generation"] == 2
    status, err, _ = await api.call("PUT", f"{WIDGETS}/w1", stale)
    assert (status, err["reason"]) == (409, "Conflict")
    status, err, _ = await api.call("GET", f"{WIDGETS}/nope")
    assert (status, err["message"]) == (404, 'widgets.example.dev "nope" not found')
    status, err, _ = await api.call("GET", "/apis/example.dev/v1/nonsense")
    assert status == 404 and err["kind"] == "Status"
    status, err, _ = await api.call("POST", f"{WIDGETS}/w1")
    assert status == 405 and err["kind"] == "Status"
    status, err, _ = await api.call(
        "POST", WIDGETS, data=b"x", headers={"Content-Type": "text/csv"}
    )
    assert status == 415 and err["reason"] == "UnsupportedMediaType"
    status, err, _ = await api.call(
        "PATCH", f"{WIDGETS}/w1", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert status == 415
    status, body, _ = await api.call("DELETE", f"{WIDGETS}/w1")
    assert status == 200 and body["status"] == "Success"
    assert body["details"] == {
        "name": "w1",
        "group": "example.dev",
        "kind": "widgets",
        "uid": created["metadata"]["uid"],
    }


async def test_create_in_yaml_and_wrong_kind(api: Api) -> None:
    yaml_body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n"
    status, obj, _ = await api.call(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        data=yaml_body,
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 201 and obj["data"] == {"k": "v"}
    status, err, _ = await api.call(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "z"}},
    )
    assert status == 400 and "does not match the expected kind (ConfigMap)" in err["message"]
    status, err, _ = await api.call(
        "POST", "/api/v1/namespaces/other/configmaps", {"metadata": {"name": "z"}}
    )
    assert (status, err["message"]) == (404, 'namespaces "other" not found')


async def test_tables_for_lists_and_gets(api: Api) -> None:
    await api.call(
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "t1"}, "data": {"a": "1", "b": "2"}},
    )
    _, table, _ = await api.call(
        "GET", "/api/v1/namespaces/default/configmaps?limit=500", headers={"Accept": TABLE}
    )
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    [row] = table["rows"]
    assert row["cells"][:2] == ["t1", 2]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "t1"
    _, single, _ = await api.call(
        "GET",
        "/api/v1/namespaces/default/configmaps/t1?includeObject=Object",
        headers={"Accept": TABLE},
    )
    assert single["rows"][0]["object"]["data"] == {"a": "1", "b": "2"}
    _status, all_ns, _ = await api.call("GET", "/api/v1/configmaps", headers={"Accept": TABLE})
    assert [r["object"]["metadata"]["namespace"] for r in all_ns["rows"]] == ["default"]


async def test_paging_and_selectors(api: Api) -> None:
    for i in range(5):
        await api.call(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": f"p{i}", "labels": {"i": str(i % 2)}}},
        )
    status, page, _ = await api.call("GET", "/api/v1/namespaces/default/configmaps?limit=2")
    assert [o["metadata"]["name"] for o in page["items"]] == ["p0", "p1"]
    token = page["metadata"]["continue"]
    assert page["metadata"]["remainingItemCount"] == 3
    status, page2, _ = await api.call(
        "GET", f"/api/v1/namespaces/default/configmaps?limit=2&continue={token}"
    )
    assert [o["metadata"]["name"] for o in page2["items"]] == ["p2", "p3"]
    status, sel, _ = await api.call(
        "GET", "/api/v1/namespaces/default/configmaps?labelSelector=i%3D1"
    )
    assert [o["metadata"]["name"] for o in sel["items"]] == ["p1", "p3"]
    status, fsel, _ = await api.call(
        "GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dp4"
    )
    assert [o["metadata"]["name"] for o in fsel["items"]] == ["p4"]
    status, _, _ = await api.call(
        "GET", "/api/v1/namespaces/default/configmaps?fieldSelector=spec.x%3D1"
    )
    assert status == 400
    status, _err, _ = await api.call(
        "GET", "/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20b"
    )
    assert status == 400
    status, body, _ = await api.call(
        "DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=i%3D0"
    )
    assert sorted(o["metadata"]["name"] for o in body["items"]) == ["p0", "p2", "p4"]
    status, rest, _ = await api.call("GET", "/api/v1/namespaces/default/configmaps")
    assert [o["metadata"]["name"] for o in rest["items"]] == ["p1", "p3"]


async def _events(resp: Any, n: int) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        line = await asyncio.wait_for(resp.content.readline(), timeout=3)
        out.append(json.loads(line))
    return out


async def test_watch_send_initial_events_bookmark(api: Api) -> None:
    await api.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "a"}})
    resp = await api.client.get(
        "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true"
        "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5",
        headers=api.auth,
    )
    added, bookmark = await _events(resp, 2)
    assert added["type"] == "ADDED" and added["object"]["metadata"]["name"] == "a"
    assert bookmark["type"] == "BOOKMARK"
    annotations = bookmark["object"]["metadata"]["annotations"]
    assert annotations == {"k8s.io/initial-events-end": "true"}
    await api.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "b"}})
    [later] = await _events(resp, 1)
    assert (later["type"], later["object"]["metadata"]["name"]) == ("ADDED", "b")
    resp.close()


async def test_watch_with_no_initial_events_starts_with_the_bookmark(api: Api) -> None:
    resp = await api.client.get(
        "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true"
        "&fieldSelector=metadata.name%3Dnone&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=5",
        headers=api.auth,
    )
    [bookmark] = await _events(resp, 1)
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    resp.close()


async def test_watch_tables_and_replay(api: Api) -> None:
    _, first, _ = await api.call(
        "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "r"}}
    )
    rv = first["metadata"]["resourceVersion"]
    await api.call(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/r",
        data=b'{"data":{"x":"1"}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    resp = await api.client.get(
        f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&timeoutSeconds=5",
        headers={**api.auth, "Accept": TABLE},
    )
    [modified] = await _events(resp, 1)
    assert modified["type"] == "MODIFIED"
    assert modified["object"]["kind"] == "Table"
    assert modified["object"]["rows"][0]["cells"][:2] == ["r", 1]
    await api.call("DELETE", "/api/v1/namespaces/default/configmaps/r")
    [deleted] = await _events(resp, 1)
    assert deleted["type"] == "DELETED"
    resp.close()


async def test_deletecollection_deletes_what_the_selector_matches(api: Api) -> None:
    base = "/api/v1/namespaces/default/configmaps"
    for name, tier in (("web-a", "web"), ("web-b", "web"), ("db", "db")):
        await api.call("POST", base, {"metadata": {"name": name, "labels": {"tier": tier}}})
    status, dry, _ = await api.call("DELETE", base + "?labelSelector=tier%3Dweb&dryRun=All")
    assert status == 200 and [o["metadata"]["name"] for o in dry["items"]] == ["web-a", "web-b"]
    status, deleted, _ = await api.call("DELETE", base + "?labelSelector=tier%3Dweb")
    assert (status, deleted["kind"]) == (200, "ConfigMapList")
    assert [o["metadata"]["name"] for o in deleted["items"]] == ["web-a", "web-b"]
    _, left, _ = await api.call("GET", base + "?labelSelector=tier")
    assert [o["metadata"]["name"] for o in left["items"]] == ["db"]


async def test_watch_ends_when_client_disconnects(api: Api) -> None:
    resp = await api.client.get(
        "/api/v1/namespaces/default/configmaps?watch=true", headers=api.auth
    )
    assert len(api.store.watches.watchers) == 1
    resp.close()
    for _ in range(40):
        if not api.store.watches.watchers:
            break
        await asyncio.sleep(0.1)
    assert not api.store.watches.watchers


async def test_scale_and_status_subresources(api: Api) -> None:
    await api.call("POST", WIDGETS, widget("s"))
    status, scale, _ = await api.call("GET", f"{WIDGETS}/s/scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 1} and scale["status"]["selector"] == "app=s"
    status, scaled, _ = await api.call(
        "PATCH",
        f"{WIDGETS}/s/scale",
        data=b'{"spec":{"replicas":3}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status == 200 and scaled["spec"]["replicas"] == 3
    _, obj, _ = await api.call("GET", f"{WIDGETS}/s")
    assert obj["spec"]["replicas"] == 3
    status, _err, _ = await api.call(
        "PATCH",
        f"{WIDGETS}/s/scale",
        data=b'{"spec":{"replicas":-1}}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert status == 422
    obj["status"] = {"replicas": 3}
    status, after, _ = await api.call("PUT", f"{WIDGETS}/s/status", obj)
    assert status == 200 and after["status"] == {"replicas": 3}


async def test_events_k8s_io_is_a_view_of_core_events(api: Api) -> None:
    core = {
        "metadata": {"name": "e1"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Started",
        "message": "Started container",
        "type": "Normal",
        "source": {"component": "kubelet", "host": "node1"},
        "count": 1,
    }
    status, _, _ = await api.call("POST", "/api/v1/namespaces/default/events", core)
    assert status == 201
    status, ev, _ = await api.call("GET", "/apis/events.k8s.io/v1/namespaces/default/events/e1")
    assert ev["apiVersion"] == "events.k8s.io/v1" and ev["note"] == "Started container"
    assert ev["regarding"]["name"] == "p"
    status, lst, _ = await api.call(
        "GET",
        "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dp",
    )
    assert [e["metadata"]["name"] for e in lst["items"]] == ["e1"]
    status, table, _ = await api.call(
        "GET",
        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod",
        headers={"Accept": TABLE},
    )
    cells = table["rows"][0]["cells"]
    assert cells[1:5] == ["Normal", "Started", "pod/p", ""]
    assert cells[5] == "kubelet, node1"


async def test_dry_run_changes_nothing(api: Api) -> None:
    before = api.store.resource_version
    status, obj, _ = await api.call(
        "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", {"metadata": {"name": "d"}}
    )
    assert status == 201 and obj["metadata"]["name"] == "d"
    assert api.store.resource_version == before
    status, _, _ = await api.call("GET", "/api/v1/namespaces/default/configmaps/d")
    assert status == 404


async def test_namespace_delete_returns_terminating(api: Api) -> None:
    await api.call("POST", "/api/v1/namespaces", {"metadata": {"name": "gone"}})
    await api.call("POST", "/api/v1/namespaces/gone/configmaps", {"metadata": {"name": "c"}})
    status, ns, _ = await api.call("DELETE", "/api/v1/namespaces/gone")
    assert status == 200 and ns["status"]["phase"] == "Terminating"
    status, _, _ = await api.call("GET", "/api/v1/namespaces/gone/configmaps/c")
    assert status == 404


async def test_concurrent_patches_lose_no_update(api: Api) -> None:
    await api.call("POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "cc"}})

    async def patch(i: int) -> int:
        status, _, _ = await api.call(
            "PATCH",
            "/api/v1/namespaces/default/configmaps/cc",
            data=json.dumps({"data": {f"k{i}": str(i)}}).encode(),
            headers={"Content-Type": "application/merge-patch+json"},
        )
        return status

    async def scale(i: int) -> int:
        status, _, _ = await api.call(
            "PATCH",
            f"{WIDGETS}/sc/scale",
            data=json.dumps({"spec": {"replicas": i}}).encode(),
            headers={"Content-Type": "application/merge-patch+json"},
        )
        return status

    await api.call("POST", WIDGETS, widget("sc"))
    statuses = await asyncio.gather(*(patch(i) for i in range(40)), *(scale(i) for i in range(10)))
    assert set(statuses) == {200}
    _, obj, _ = await api.call("GET", "/api/v1/namespaces/default/configmaps/cc")
    assert obj["data"] == {f"k{i}": str(i) for i in range(40)}


async def test_root_lists_paths(api: Api) -> None:
    status, body, _ = await api.call("GET", "/")
    assert status == 200
    assert {"/api/v1", "/apis/example.dev/v1", "/version", "/openapi/v3"} <= set(body["paths"])
