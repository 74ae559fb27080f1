"""The store changes memory only with a commit: a write whose commit fails (a full disk) leaves
nothing anyone can see, raises a 500 with SQLite's own reason (not a failed ROLLBACK), and a
row that is not what the store writes is refused at open, naming the row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kubelab.sim.errors import ApiError
from kubelab.sim.kinds.configmaps import CONFIGMAP
from kubelab.sim.kinds.namespaces import NAMESPACE
from kubelab.sim.persistence import CorruptState
from kubelab.sim.registry import build_registry
from kubelab.sim.store import Store, WatchEvent


def make_store(path: Path) -> Store:
    store = Store(build_registry([NAMESPACE, CONFIGMAP]), path)
    if store.try_get(NAMESPACE, None, "default") is None:
        store.create(NAMESPACE, {"metadata": {"name": "default"}})
    return store


def fill_up(store: Store) -> None:
    """Cap the file at its current size: the next commit that needs a page is SQLITE_FULL."""
    db = store.persistence._db
    assert db is not None
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")


def test_a_create_on_a_full_disk_is_a_500_and_leaves_nothing(tmp_path: Path) -> None:
    store = make_store(tmp_path / "full.db")
    seen: list[WatchEvent] = []
    store.subscribe(seen.append)
    rv = store.resource_version
    fill_up(store)
    big = {"metadata": {"name": "big"}, "data": {"x": "y" * 200_000}}
    with pytest.raises(ApiError) as caught:
        store.create(CONFIGMAP, big, namespace="default")
    assert caught.value.code == 500
    assert "database or disk is full" in caught.value.message
    assert "rollback" not in caught.value.message
    assert store.try_get(CONFIGMAP, "default", "big") is None  # GET: 404
    assert [o["metadata"]["name"] for o in store.list(CONFIGMAP, "default").items] == []
    assert store.resource_version == rv
    assert seen == []  # no watcher or controller heard of it
    with pytest.raises(ApiError) as again:  # a re-create: the same reason, not 409
        store.create(CONFIGMAP, big, namespace="default")
    assert again.value.code == 500
    db = store.persistence._db
    assert db is not None
    db.execute("PRAGMA max_page_count=1073741823")  # space again
    made = store.create(CONFIGMAP, big, namespace="default")
    assert made["metadata"]["resourceVersion"] == str(rv + 1)
    store.close()
    assert make_store(tmp_path / "full.db").try_get(CONFIGMAP, "default", "big") is not None


def test_a_failed_commit_undoes_a_whole_transaction(tmp_path: Path) -> None:
    store = make_store(tmp_path / "tx.db")
    store.create(NAMESPACE, {"metadata": {"name": "team"}})
    for name in ("a", "b"):
        store.create(CONFIGMAP, {"metadata": {"name": name}, "data": {"k": "v"}}, namespace="team")
    store.runtime_set("ns/team/marker", {"kept": True})
    before = {
        "objects": [o["metadata"]["name"] for o in store.list(CONFIGMAP, "team").items],
        "namespace": store.get(NAMESPACE, None, "team"),
        "runtime": store.runtime_get("ns/team/marker"),
        "rv": store.resource_version,
    }
    fill_up(store)
    with pytest.raises(ApiError), store.transaction():
        for name in ("c", "d"):
            big = {"metadata": {"name": name}, "data": {"x": "y" * 100_000}}
            store.create(CONFIGMAP, big, namespace="team")
        store.delete(CONFIGMAP, "team", "a")
        store.runtime_delete("ns/team/marker")
    after = {
        "objects": [o["metadata"]["name"] for o in store.list(CONFIGMAP, "team").items],
        "namespace": store.get(NAMESPACE, None, "team"),
        "runtime": store.runtime_get("ns/team/marker"),
        "rv": store.resource_version,
    }
    assert after == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("[1,2,3]", "not an object with metadata: [1,2,3]"),
        ("{not json", "not JSON"),
        ('{"metadata": {"name": "other"}}', "it holds an object named 'other'"),
    ],
)
def test_a_bad_row_is_refused_at_open_naming_the_row(
    tmp_path: Path, data: str, reason: str
) -> None:
    path = tmp_path / "bad.db"
    make_store(path).close()
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO objects (key, namespace, name, data) VALUES (?,?,?,?)",
        ("/configmaps", "default", "broken", data),
    )
    db.commit()
    db.close()
    with pytest.raises(CorruptState) as caught:
        make_store(path)
    assert "row /configmaps default/broken of table objects" in str(caught.value)
    assert reason in str(caught.value)


def test_a_bad_runtime_row_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.db"
    make_store(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO runtime (k, v) VALUES (?, ?)", ("env/x", "{nope"))
    db.commit()
    db.close()
    with pytest.raises(CorruptState, match="row env/x of table runtime: not JSON"):
        make_store(path)
