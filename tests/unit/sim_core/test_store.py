"""The store: metadata, optimistic concurrency, selectors, paging, watches, GC, persistence."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.kinds.configmaps import CONFIGMAP
from kubelab.sim.kinds.namespaces import NAMESPACE
from kubelab.sim.registry import ResourceType, build_registry
from kubelab.sim.selectors import parse_field_selector, parse_label_selector
from kubelab.sim.store import Store, WatchEvent

WIDGET = ResourceType(
    group="example.dev",
    version="v1",
    kind="Widget",
    plural="widgets",
    singular="widget",
    namespaced=True,
    subresources=("status",),
    field_selectors=("spec.color",),
)
GADGET = ResourceType(
    group="example.dev",
    version="v1",
    kind="Gadget",
    plural="gadgets",
    singular="gadget",
    namespaced=True,
    graceful_deletion=True,
)


def make_store(path: Path | None = None) -> Store:
    store = Store(build_registry([NAMESPACE, CONFIGMAP, WIDGET, GADGET]), path)
    if store.try_get(NAMESPACE, None, "default") is None:
        store.create(NAMESPACE, {"metadata": {"name": "default"}})
    return store


def widget(name: str, **spec: object) -> dict[str, object]:
    return {"metadata": {"name": name, "labels": {"app": name}}, "spec": dict(spec)}


def test_create_fills_metadata_and_defaults() -> None:
    store = make_store()
    obj = store.create(WIDGET, widget("a", color="red"), namespace="default")
    meta = obj["metadata"]
    assert obj["apiVersion"] == "example.dev/v1" and obj["kind"] == "Widget"
    assert meta["namespace"] == "default" and meta["generation"] == 1
    assert len(meta["uid"]) == 36 and meta["creationTimestamp"].endswith("Z")
    assert int(meta["resourceVersion"]) == store.resource_version
    ns = store.get(NAMESPACE, None, "default")
    assert ns["status"]["phase"] == "Active"
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "default"


def test_create_errors() -> None:
    store = make_store()
    store.create(WIDGET, widget("a"), namespace="default")
    with pytest.raises(ApiError) as exists:
        store.create(WIDGET, widget("a"), namespace="default")
    assert exists.value.code == 409 and exists.value.reason == "AlreadyExists"
    assert exists.value.message == 'widgets.example.dev "a" already exists'
    with pytest.raises(ApiError) as no_ns:
        store.create(WIDGET, widget("b"), namespace="nope")
    assert no_ns.value.code == 404 and no_ns.value.message == 'namespaces "nope" not found'
    with pytest.raises(ApiError) as bad_name:
        store.create(CONFIGMAP, {"metadata": {"name": "Bad_Name"}}, namespace="default")
    assert bad_name.value.code == 422
    assert bad_name.value.message.startswith('ConfigMap "Bad_Name" is invalid: metadata.name:')


def test_generate_name() -> None:
    store = make_store()
    obj = store.create(CONFIGMAP, {"metadata": {"generateName": "x-"}}, namespace="default")
    assert obj["metadata"]["name"].startswith("x-") and len(obj["metadata"]["name"]) == 7


def test_stale_update_conflicts_and_noop_keeps_version() -> None:
    store = make_store()
    first = store.create(WIDGET, widget("a", color="red"), namespace="default")
    changed = dict(first, spec={"color": "blue"})
    second = store.update(WIDGET, changed, namespace="default", name="a")
    assert second["metadata"]["generation"] == 2
    with pytest.raises(ApiError) as stale:
        store.update(WIDGET, dict(first, spec={"color": "green"}), namespace="default", name="a")
    assert stale.value.code == 409 and stale.value.reason == "Conflict"
    assert "the object has been modified" in stale.value.message
    same = store.update(WIDGET, second, namespace="default", name="a")
    assert same["metadata"]["resourceVersion"] == second["metadata"]["resourceVersion"]


def test_status_subresource_separates_spec_and_status() -> None:
    store = make_store()
    obj = store.create(WIDGET, widget("a", color="red"), namespace="default")
    obj["status"] = {"ready": True}
    obj["spec"] = {"color": "ignored"}
    after = store.update(WIDGET, obj, namespace="default", name="a", subresource="status")
    assert after["status"] == {"ready": True} and after["spec"] == {"color": "red"}
    after["status"] = {"ready": False}
    main = store.update(WIDGET, after, namespace="default", name="a")
    assert main["status"] == {"ready": True}


def test_mutate_has_no_conflict() -> None:
    store = make_store()
    store.create(CONFIGMAP, {"metadata": {"name": "c"}, "data": {"n": "0"}}, namespace="default")
    for i in range(1, 6):

        def bump(o: dict[str, object], i: int = i) -> None:
            o["data"] = {"n": str(i)}

        store.mutate(CONFIGMAP, "default", "c", bump)
    assert store.get(CONFIGMAP, "default", "c")["data"] == {"n": "5"}


def test_list_selectors_and_paging() -> None:
    store = make_store()
    for name, color in (("a", "red"), ("b", "blue"), ("c", "red"), ("d", "red")):
        store.create(WIDGET, widget(name, color=color), namespace="default")
    labels = parse_label_selector("app in (a,b,c)")
    fields = parse_field_selector("spec.color=red", WIDGET.field_selectors)
    got = store.list(WIDGET, "default", labels=labels, fields=fields)
    assert [o["metadata"]["name"] for o in got.items] == ["a", "c"]
    page1 = store.list(WIDGET, None, limit=3)
    assert [o["metadata"]["name"] for o in page1.items] == ["a", "b", "c"]
    assert page1.continue_token and page1.remaining == 1
    page2 = store.list(WIDGET, None, limit=3, continue_token=page1.continue_token)
    assert [o["metadata"]["name"] for o in page2.items] == ["d"] and not page2.continue_token
    with pytest.raises(ApiError) as bad:
        store.list(WIDGET, None, continue_token="garbage!")
    assert bad.value.code == 400


async def _drain(queue: asyncio.Queue[WatchEvent | None], n: int) -> list[WatchEvent]:
    out = []
    for _ in range(n):
        ev = await asyncio.wait_for(queue.get(), timeout=1)
        assert ev is not None
        out.append(ev)
    return out


async def test_watch_initial_replay_and_selector_transitions() -> None:
    store = make_store()
    store.create(WIDGET, widget("a", color="red"), namespace="default")
    rv = store.resource_version
    initial = store.watch(WIDGET.key, namespace="default", initial=True)
    [added] = await _drain(initial.queue, 1)
    assert added.type == "ADDED" and added.obj["metadata"]["name"] == "a"
    fields = parse_field_selector("spec.color=red", WIDGET.field_selectors)
    red = store.watch(WIDGET.key, since=rv, fields=fields)
    store.mutate(WIDGET, "default", "a", lambda o: o.update(spec={"color": "blue"}))
    store.mutate(WIDGET, "default", "a", lambda o: o.update(spec={"color": "red"}))
    store.delete(WIDGET, "default", "a")
    kinds = [e.type for e in await _drain(red.queue, 3)]
    assert kinds == ["DELETED", "ADDED", "DELETED"]
    replay = store.watch(WIDGET.key, since=rv)
    assert [e.type for e in await _drain(replay.queue, 3)] == ["MODIFIED", "MODIFIED", "DELETED"]
    for w in (initial, red, replay):
        w.close()


def test_watch_too_old_is_gone(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s.db")
    store.create(CONFIGMAP, {"metadata": {"name": "c"}}, namespace="default")
    store.close()
    again = make_store(tmp_path / "s.db")
    with pytest.raises(ApiError) as gone:
        again.watch(CONFIGMAP.key, since=1)
    assert gone.value.code == 410


def owned(name: str, owner: dict[str, object], **extra: object) -> dict[str, object]:
    meta = owner["metadata"]
    assert isinstance(meta, dict)
    ref = {
        "apiVersion": "example.dev/v1",
        "kind": "Widget",
        "name": meta["name"],
        "uid": meta["uid"],
    }
    return {"metadata": {"name": name, "ownerReferences": [ref], **extra}}


def test_background_gc_deletes_dependents_recursively() -> None:
    store = make_store()
    top = store.create(WIDGET, widget("top"), namespace="default")
    mid = store.create(WIDGET, dict(widget("mid"), **owned("mid", top)), namespace="default")
    store.create(CONFIGMAP, owned("leaf", mid), namespace="default")
    store.create(CONFIGMAP, {"metadata": {"name": "free"}}, namespace="default")
    store.delete(WIDGET, "default", "top")
    assert store.try_get(WIDGET, "default", "mid") is None
    assert store.try_get(CONFIGMAP, "default", "leaf") is None
    assert store.try_get(CONFIGMAP, "default", "free") is not None


def test_orphan_keeps_dependents_without_reference() -> None:
    store = make_store()
    top = store.create(WIDGET, widget("top"), namespace="default")
    store.create(CONFIGMAP, owned("kid", top), namespace="default")
    store.delete(WIDGET, "default", "top", propagation="Orphan")
    kid = store.get(CONFIGMAP, "default", "kid")
    assert "ownerReferences" not in kid["metadata"]


def test_finalizers_defer_removal() -> None:
    store = make_store()
    store.create(CONFIGMAP, {"metadata": {"name": "f", "finalizers": ["x/y"]}}, namespace="default")
    marked = store.delete(CONFIGMAP, "default", "f")
    assert marked["metadata"]["deletionTimestamp"]
    assert store.try_get(CONFIGMAP, "default", "f") is not None
    store.mutate(CONFIGMAP, "default", "f", lambda o: o["metadata"].pop("finalizers"))
    assert store.try_get(CONFIGMAP, "default", "f") is None


async def test_graceful_deletion_completes_after_grace() -> None:
    store = make_store()
    store.grace_cap = 0.05
    store.create(GADGET, {"metadata": {"name": "g"}}, namespace="default")
    marked = store.delete(GADGET, "default", "g")
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 30
    assert store.try_get(GADGET, "default", "g") is not None
    await asyncio.sleep(0.2)
    assert store.try_get(GADGET, "default", "g") is None
    store.create(GADGET, {"metadata": {"name": "h"}}, namespace="default")
    store.delete(GADGET, "default", "h", grace_seconds=0)
    assert store.try_get(GADGET, "default", "h") is None


def test_namespace_deletion_removes_content() -> None:
    store = make_store()
    store.create(NAMESPACE, {"metadata": {"name": "tmp"}})
    store.create(CONFIGMAP, {"metadata": {"name": "c"}}, namespace="tmp")
    store.runtime_set("ns/tmp/pod/x", {"env": {"A": "1"}})
    out = store.delete(NAMESPACE, None, "tmp")
    assert out["status"]["phase"] == "Terminating"
    assert store.try_get(NAMESPACE, None, "tmp") is None
    assert store.list(CONFIGMAP, "tmp").items == []
    assert store.runtime_get("ns/tmp/pod/x") is None
    with pytest.raises(ApiError) as forbidden:
        store.delete(NAMESPACE, None, "default")
    assert forbidden.value.code == 403


def test_persistence_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = make_store(path)
    store.create(CONFIGMAP, {"metadata": {"name": "keep"}, "data": {"k": "v"}}, namespace="default")
    store.runtime_set("pod/x/env", {"A": "1"})
    rv = store.resource_version
    # Read the file with another connection before closing: committed already.
    rows = sqlite3.connect(path).execute("SELECT name FROM objects").fetchall()
    assert ("keep",) in rows
    store.close()
    again = make_store(path)
    assert again.get(CONFIGMAP, "default", "keep")["data"] == {"k": "v"}
    assert again.runtime_get("pod/x/env") == {"A": "1"}
    assert again.resource_version == rv
    made = again.create(CONFIGMAP, {"metadata": {"name": "next"}}, namespace="default")
    assert int(made["metadata"]["resourceVersion"]) == rv + 1


def test_transaction_groups_events_after_commit() -> None:
    store = make_store()
    seen: list[str] = []
    store.subscribe(lambda ev: seen.append(ev.obj["metadata"]["name"]), {CONFIGMAP.key})
    with store.transaction():
        store.create(CONFIGMAP, {"metadata": {"name": "a"}}, namespace="default")
        store.create(CONFIGMAP, {"metadata": {"name": "b"}}, namespace="default")
        assert seen == []
    assert seen == ["a", "b"]


def test_a_write_is_on_disk_when_the_call_returns(tmp_path: Path) -> None:
    path = tmp_path / "now.db"
    store = make_store(path)
    store.create(CONFIGMAP, {"metadata": {"name": "now"}}, namespace="default")
    assert sqlite3.connect(path).execute(
        "SELECT count(*) FROM objects WHERE name='now'"
    ).fetchone() == (1,)
    store.close()


def test_a_failing_subscriber_does_not_fail_the_write(caplog: pytest.LogCaptureFixture) -> None:
    store = make_store()

    def broken(ev: WatchEvent) -> None:
        raise RuntimeError("controller bug")

    seen: list[str] = []
    store.subscribe(broken)
    store.subscribe(lambda ev: seen.append(ev.type))
    store.create(CONFIGMAP, {"metadata": {"name": "ok"}}, namespace="default")
    assert store.try_get(CONFIGMAP, "default", "ok") is not None
    assert seen == ["ADDED"]
    assert "controller bug" in caplog.text


def test_removing_the_last_finalizer_collects_dependents() -> None:
    store = make_store()
    owner = store.create(
        WIDGET,
        dict(widget("fin"), metadata={"name": "fin", "finalizers": ["x/y"]}),
        namespace="default",
    )
    store.create(CONFIGMAP, owned("child", owner), namespace="default")
    store.delete(WIDGET, "default", "fin")
    assert store.try_get(CONFIGMAP, "default", "child") is not None
    store.mutate(WIDGET, "default", "fin", lambda o: o["metadata"].pop("finalizers"))
    assert store.try_get(WIDGET, "default", "fin") is None
    assert store.try_get(CONFIGMAP, "default", "child") is None


def test_namespace_lists_stay_ordered_through_creates_and_deletes() -> None:
    store = make_store()
    for ns in ("a", "a-b", "b"):
        store.create(NAMESPACE, {"metadata": {"name": ns}})
    for ns, name in (("b", "z"), ("a", "y"), ("a-b", "x"), ("a", "w")):
        store.create(CONFIGMAP, {"metadata": {"name": name}}, namespace=ns)
    names = [o["metadata"]["name"] for o in store.list(CONFIGMAP, "a").items]
    assert names == ["w", "y"]
    store.delete(CONFIGMAP, "a", "w")
    store.create(CONFIGMAP, {"metadata": {"name": "v"}}, namespace="a")
    assert [o["metadata"]["name"] for o in store.list(CONFIGMAP, "a").items] == ["v", "y"]
    everything = [
        (o["metadata"]["namespace"], o["metadata"]["name"]) for o in store.list(CONFIGMAP).items
    ]
    assert everything == [("a", "v"), ("a", "y"), ("a-b", "x"), ("b", "z")]


def test_state_files_are_private(tmp_path: Path) -> None:
    """The state holds Secrets: the database and its -wal/-shm files are 0600, even under a
    permissive umask and when an older run left them world-readable."""
    import os

    old_umask = os.umask(0o022)
    try:
        path = tmp_path / "private.db"
        store = make_store(path)
        store.create(CONFIGMAP, {"metadata": {"name": "c", "namespace": "default"}})
        files = [path, path.with_name("private.db-wal"), path.with_name("private.db-shm")]
        assert all(f.exists() for f in files)
        assert {oct(f.stat().st_mode & 0o777) for f in files} == {oct(0o600)}
        store.close()
        for f in files:
            if f.exists():
                f.chmod(0o644)
        make_store(path).close()
        assert {oct(f.stat().st_mode & 0o777) for f in files if f.exists()} == {oct(0o600)}
    finally:
        os.umask(old_umask)


async def test_graceful_deletions_pending_at_a_restart_finish(tmp_path: Path) -> None:
    path = tmp_path / "restart.db"

    def previous_run() -> None:  # no event loop in this thread: no timers, as after a crash
        store = make_store(path)
        store.create(GADGET, {"metadata": {"name": "late"}}, namespace="default")
        store.create(GADGET, {"metadata": {"name": "soon"}}, namespace="default")
        store.delete(GADGET, "default", "late", grace_seconds=1)
        store.delete(GADGET, "default", "soon", grace_seconds=30)
        store.close()

    await asyncio.to_thread(previous_run)
    again = make_store(path)
    again.grace_cap = 0.3
    assert again.try_get(GADGET, "default", "late") is not None
    assert again.resume_deletions() == 2
    await asyncio.sleep(0.5)
    assert again.try_get(GADGET, "default", "late") is None
    assert again.try_get(GADGET, "default", "soon") is None  # capped, like any grace period
    again.close()


def test_generation_only_where_a_real_server_sets_it() -> None:
    """Deployments and Pods count spec changes in metadata.generation; Services, Nodes, Leases
    and ConfigMaps have none (their strategies never set it)."""
    from kubelab.sim.registry import load_registry

    registry = load_registry()
    store = Store(registry)
    store.create(registry.by_key("/namespaces"), {"metadata": {"name": "default"}})
    objects = {
        "/services": {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}},
        "/nodes": {"metadata": {"name": "n"}, "spec": {}},
        "coordination.k8s.io/leases": {"metadata": {"name": "l"}, "spec": {}},
        "/configmaps": {"metadata": {"name": "c"}},
        "apps/deployments": {
            "metadata": {"name": "d"},
            "spec": {
                "selector": {"matchLabels": {"a": "b"}},
                "template": {
                    "metadata": {"labels": {"a": "b"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        },
    }
    generations = {
        key: store.create(registry.by_key(key), obj, namespace="default")["metadata"].get(
            "generation"
        )
        for key, obj in objects.items()
    }
    assert generations == {
        "/services": None,
        "/nodes": None,
        "coordination.k8s.io/leases": None,
        "/configmaps": None,
        "apps/deployments": 1,
    }


def test_ephemeral_containers_are_only_added_through_their_subresource() -> None:
    from kubelab.sim.registry import load_registry

    registry = load_registry()
    store = Store(registry)
    store.create(registry.by_key("/namespaces"), {"metadata": {"name": "default"}})
    pods = registry.by_key("/pods")
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    created = store.create(pods, pod, namespace="default")
    added = dict(created, spec=dict(created["spec"], ephemeralContainers=[{"name": "d"}]))
    with pytest.raises(ApiError) as missing_image:
        store.update(pods, added, namespace="default", subresource="ephemeralcontainers")
    assert missing_image.value.code == 422
    assert "spec.ephemeralContainers[0].image: Required value" in missing_image.value.message
    clash = [{"name": "c", "image": "busybox"}]
    with pytest.raises(ApiError) as duplicate:
        store.update(
            pods,
            dict(created, spec=dict(created["spec"], ephemeralContainers=clash)),
            namespace="default",
            subresource="ephemeralcontainers",
        )
    assert 'spec.ephemeralContainers[0].name: Duplicate value: "c"' in duplicate.value.message
    ok = [{"name": "d", "image": "busybox:1.37"}]
    body = dict(created, spec=dict(created["spec"], ephemeralContainers=ok, nodeName="x"))
    updated = store.update(pods, body, namespace="default", subresource="ephemeralcontainers")
    assert updated["spec"]["ephemeralContainers"] == ok
    assert "nodeName" not in updated["spec"]  # nothing else changes through the subresource
    changed = dict(updated, spec=dict(updated["spec"], ephemeralContainers=[]))
    kept = store.update(pods, changed, namespace="default")  # the main resource keeps them
    assert kept["spec"]["ephemeralContainers"] == ok
