"""The context provider at the HTTP level: the only DELETE it ever sends is for its own
labelled namespace; and the namespace name it picks."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.cluster.base import ClusterError, ClusterNotUp
from kubelab.cluster.context import ContextProvider, default_namespace


@pytest.fixture
def borrowed(fake_api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KUBECONFIG", str(fake_api.kubeconfig(tmp_path / "user-kubeconfig")))
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    fake_api.routes[("GET", "/version")] = (200, {"gitVersion": "v1.35.0"})
    return fake_api


def namespace(name: str, **labels: str) -> tuple[int, dict]:
    return 200, {"kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def test_teardown_of_an_unlabelled_namespace_sends_no_delete(borrowed) -> None:
    borrowed.routes[("GET", "/api/v1/namespaces/shared")] = namespace("shared", team="a")
    with pytest.raises(ClusterError, match="kubelab deletes nothing in it"):
        ContextProvider("fake", namespace="shared", yes=True).teardown()
    assert borrowed.calls("DELETE") == []
    assert borrowed.calls("PATCH") == [] and borrowed.calls("POST") == []


def test_teardown_deletes_exactly_its_labelled_namespace(borrowed) -> None:
    borrowed.routes[("GET", "/api/v1/namespaces/kubelab-me")] = namespace(
        "kubelab-me", **{"app.kubernetes.io/managed-by": "kubelab"}
    )
    borrowed.routes[("DELETE", "/api/v1/namespaces/kubelab-me")] = (200, {"kind": "Status"})
    ContextProvider("fake", namespace="kubelab-me", yes=True).teardown()
    assert [c.path for c in borrowed.calls("DELETE")] == ["/api/v1/namespaces/kubelab-me"]


def test_teardown_deletes_its_lessons_namespaces_too(borrowed) -> None:
    borrowed.routes[("GET", "/api/v1/namespaces/kubelab-me")] = namespace(
        "kubelab-me", **{"app.kubernetes.io/managed-by": "kubelab"}
    )
    lesson = namespace(
        "kubelab-me-dns",
        **{"app.kubernetes.io/managed-by": "kubelab", "kubelab.dev/lab": "kubelab-me"},
    )[1]
    borrowed.routes[("GET", "/api/v1/namespaces")] = (200, {"items": [lesson]})
    for name in ("kubelab-me", "kubelab-me-dns"):
        borrowed.routes[("DELETE", f"/api/v1/namespaces/{name}")] = (200, {"kind": "Status"})
    ContextProvider("fake", namespace="kubelab-me", yes=True).teardown()
    assert [c.path for c in borrowed.calls("DELETE")] == [
        "/api/v1/namespaces/kubelab-me-dns",
        "/api/v1/namespaces/kubelab-me",
    ]


def test_refused_confirmation_sends_nothing_that_writes(borrowed) -> None:
    with pytest.raises(ClusterError, match="nothing was changed"):
        ContextProvider("fake", namespace="kubelab-me", confirm=lambda q: False).provision()
    assert {c.method for c in borrowed.requests} == {"GET"}


def test_default_namespace_is_a_valid_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "Jane.Doe_2")
    assert default_namespace() == "kubelab-jane-doe-2"
    monkeypatch.setattr("getpass.getuser", lambda: "___")
    assert default_namespace() == "kubelab-learner"


def test_multi_node_is_found_when_provisioning(borrowed) -> None:
    borrowed.routes[("POST", "/api/v1/namespaces")] = namespace("kubelab-me")
    borrowed.routes[("GET", "/api/v1/nodes")] = (
        200,
        {"items": [{"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}]},
    )
    provider = ContextProvider("fake", namespace="kubelab-me", yes=True)
    assert provider.capabilities == frozenset()
    lab = provider.provision()
    assert lab.capabilities == provider.capabilities == frozenset({"multi-node"})
    created = borrowed.calls("POST")[0].body
    assert created["metadata"] == {
        "name": "kubelab-me",
        "labels": {"app.kubernetes.io/managed-by": "kubelab"},
    }


def test_missing_capabilities_say_kubelab_cannot_tell(borrowed) -> None:
    borrowed.routes[("POST", "/api/v1/namespaces")] = namespace("kubelab-me")
    lab = ContextProvider("fake", namespace="kubelab-me", yes=True).provision()
    assert lab.missing(["loadbalancer"]) == [
        "loadbalancer: kubelab cannot tell whether a borrowed cluster provides LoadBalancers"
    ]


def test_status_of_an_unprovisioned_context_leaves_no_kubeconfig(borrowed) -> None:
    """Looking at a context is not provisioning it: `kubelab env`/`shell` must still say it
    is not up afterwards."""
    provider = ContextProvider("fake", namespace="kubelab-me")
    status = provider.status()
    assert not status.provisioned
    assert provider.existing_kubeconfig() is None
    borrowed.routes[("GET", "/api/v1/namespaces/kubelab-me")] = namespace(
        "kubelab-me", **{"app.kubernetes.io/managed-by": "kubelab"}
    )
    assert provider.status().provisioned
    assert provider.existing_kubeconfig() == provider.kubeconfig


def test_attach_changes_nothing_and_needs_the_lab_namespace(borrowed) -> None:
    provider = ContextProvider("fake", namespace="kubelab-me", confirm=lambda q: False)
    with pytest.raises(ClusterNotUp) as info:
        provider.attach()
    assert info.value.hint == "run `kubelab up --cluster context:fake --namespace kubelab-me` first"
    borrowed.routes[("GET", "/api/v1/namespaces/kubelab-me")] = namespace(
        "kubelab-me", **{"app.kubernetes.io/managed-by": "kubelab"}
    )
    lab = provider.attach()  # no confirmation asked: nothing changes
    assert lab.namespace == "kubelab-me"
    assert {c.method for c in borrowed.requests} == {"GET"}
