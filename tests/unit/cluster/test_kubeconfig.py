"""kubelab's own kubeconfig copies: one context, namespace set, paths made absolute."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster.base import ClusterError

SOURCE = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [
        {"name": "c1", "cluster": {"server": "https://a", "certificate-authority": "ca.crt"}},
        {"name": "c2", "cluster": {"server": "https://b"}},
    ],
    "users": [
        {"name": "u1", "user": {"client-certificate": "/abs/u.crt", "client-key": "keys/u.key"}},
        {"name": "u2", "user": {"token": "secret2"}},
    ],
    "contexts": [
        {"name": "one", "context": {"cluster": "c1", "user": "u1", "namespace": "theirs"}},
        {"name": "two", "context": {"cluster": "c2", "user": "u2"}},
    ],
    "current-context": "two",
}


def test_extract_context_keeps_only_that_context(tmp_path: Path) -> None:
    own = kc.extract_context(SOURCE, "one", "kubelab-me", tmp_path)
    assert own["current-context"] == "one"
    assert own["contexts"] == [
        {"name": "one", "context": {"cluster": "c1", "user": "u1", "namespace": "kubelab-me"}}
    ]
    assert [c["name"] for c in own["clusters"]] == ["c1"]
    assert [u["name"] for u in own["users"]] == ["u1"]
    assert own["clusters"][0]["cluster"]["certificate-authority"] == str(tmp_path / "ca.crt")
    assert own["users"][0]["user"]["client-key"] == str(tmp_path / "keys" / "u.key")
    assert own["users"][0]["user"]["client-certificate"] == "/abs/u.crt"
    assert SOURCE["contexts"][0]["context"]["namespace"] == "theirs"  # source untouched
    assert "secret2" not in repr(own)


def test_missing_context_and_cluster() -> None:
    with pytest.raises(ClusterError, match="no context named 'three'"):
        kc.extract_context(SOURCE, "three", "ns", Path("/"))
    broken = {**SOURCE, "contexts": [{"name": "x", "context": {"cluster": "gone"}}]}
    with pytest.raises(ClusterError, match="names cluster 'gone', not found"):
        kc.extract_context(broken, "x", "ns", Path("/"))


def test_find_context_reads_kubeconfig_list(tmp_path: Path, monkeypatch) -> None:
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    kc.save(first, {"contexts": [{"name": "alpha", "context": {}}]})
    kc.save(second, SOURCE)
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    path, config = kc.find_context("two")
    assert path == second and config["current-context"] == "two"
    with pytest.raises(ClusterError, match=r"contexts found: alpha, one, two"):
        kc.find_context("nope")


def test_save_is_private_and_load_errors_are_clear(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "kc"
    kc.save(path, SOURCE)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert kc.load(path) == SOURCE
    (tmp_path / "bad").write_text("a: [")
    with pytest.raises(ClusterError, match="not valid YAML"):
        kc.load(tmp_path / "bad")
    with pytest.raises(ClusterError, match="cannot read kubeconfig"):
        kc.load(tmp_path / "absent")
