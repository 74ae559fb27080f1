"""The borrowed-context provider, exercised for real against a simulator's kubeconfig context:
confirmation, kubelab's own namespace and kubeconfig, and a teardown that deletes nothing
unlabelled."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from kubelab.cluster.base import MANAGED_BY_LABEL, ClusterError, ConfirmationRequired
from kubelab.cluster.client import KubeClient
from kubelab.cluster.context import ContextProvider

CONTEXT = "kubelab-sim"


@pytest.fixture
def user_kubeconfig(sim, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The learner's own kubeconfig: the simulator's, copied; kubelab must never change it."""
    path = tmp_path / "home" / ".kube" / "config"
    path.parent.mkdir(parents=True)
    path.write_text(sim.kubeconfig.read_text())
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    return path


@pytest.fixture
def admin(sim) -> KubeClient:
    return KubeClient(sim.kubeconfig, None, "default")


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def refuse(question: str) -> bool:
    return False


def test_nothing_changes_without_confirmation(user_kubeconfig: Path, admin: KubeClient) -> None:
    namespace = unique("lab")
    before = fingerprint(user_kubeconfig)
    with pytest.raises(ConfirmationRequired, match="nothing was changed"):
        ContextProvider(CONTEXT, namespace=namespace, confirm=refuse).provision()
    assert admin.get("v1", "Namespace", namespace) is None
    assert fingerprint(user_kubeconfig) == before


def test_no_terminal_and_no_yes_refuses(user_kubeconfig: Path, admin: KubeClient) -> None:
    namespace = unique("lab")
    with pytest.raises(ConfirmationRequired) as info:
        ContextProvider(CONTEXT, namespace=namespace).provision()  # pytest's stdin is no tty
    assert info.value.hint == "pass --yes to confirm"
    assert admin.get("v1", "Namespace", namespace) is None


def test_yes_creates_a_labelled_namespace_and_kubelabs_own_kubeconfig(
    user_kubeconfig: Path, admin: KubeClient
) -> None:
    namespace = unique("lab")
    before = fingerprint(user_kubeconfig)
    lab = ContextProvider(CONTEXT, namespace=namespace, yes=True).provision()
    created = admin.get("v1", "Namespace", namespace)
    assert created is not None
    assert created["metadata"]["labels"][MANAGED_BY_LABEL] == "kubelab"
    assert lab.namespace == namespace and lab.context == CONTEXT and lab.provider == "context"
    assert lab.kubeconfig != user_kubeconfig
    own = yaml.safe_load(lab.kubeconfig.read_text())
    assert own["current-context"] == CONTEXT
    assert own["contexts"][0]["context"]["namespace"] == namespace
    assert oct(lab.kubeconfig.stat().st_mode & 0o777) == "0o600"
    assert fingerprint(user_kubeconfig) == before
    # plain kubectl with kubelab's kubeconfig lands in the lab namespace
    result = subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "create", "configmap", "mine"],
        env={**os.environ, "KUBECONFIG": str(lab.kubeconfig)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert admin.get("v1", "ConfigMap", "mine", namespace=namespace) is not None
    # provisioning again reuses it
    again = ContextProvider(CONTEXT, namespace=namespace, yes=True).provision()
    assert again.namespace == namespace


def test_an_existing_unlabelled_namespace_is_refused(
    user_kubeconfig: Path, admin: KubeClient
) -> None:
    namespace = unique("precious")
    admin.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    with pytest.raises(ClusterError, match="was not created by kubelab"):
        ContextProvider(CONTEXT, namespace=namespace, yes=True).provision()
    assert MANAGED_BY_LABEL not in (
        admin.get("v1", "Namespace", namespace)["metadata"].get("labels") or {}
    )


def test_teardown_deletes_nothing_unlabelled(user_kubeconfig: Path, admin: KubeClient) -> None:
    precious = unique("precious")
    admin.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": precious}})
    keep = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}, "data": {}}
    admin.create(keep, namespace=precious)
    lab_ns = unique("lab")
    provider = ContextProvider(CONTEXT, namespace=lab_ns, yes=True)
    provider.provision()

    # teardown of a namespace kubelab did not label deletes nothing at all
    with pytest.raises(ClusterError, match="kubelab deletes nothing in it"):
        ContextProvider(CONTEXT, namespace=precious, yes=True).teardown()
    assert admin.get("v1", "Namespace", precious) is not None
    assert admin.get("v1", "ConfigMap", "keep", namespace=precious) is not None

    # teardown of kubelab's own namespace deletes it, and only it
    namespaces_before = {n["metadata"]["name"] for n in admin.list("v1", "Namespace")}
    provider.teardown()
    namespaces_after = {
        n["metadata"]["name"]
        for n in admin.list("v1", "Namespace")
        if not (n["metadata"].get("deletionTimestamp"))
    }
    assert namespaces_before - namespaces_after == {lab_ns}
    assert admin.get("v1", "ConfigMap", "keep", namespace=precious) is not None
    assert not provider.kubeconfig.exists()


def test_unknown_context(user_kubeconfig: Path) -> None:
    with pytest.raises(ClusterError, match="no kubeconfig context named 'nope'") as info:
        ContextProvider("nope", yes=True).provision()
    assert CONTEXT in info.value.message


def test_the_cli_without_a_terminal_exits_2_and_asks_for_yes(
    user_kubeconfig: Path, admin: KubeClient
) -> None:
    namespace = unique("lab")
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", "up", "--cluster", f"context:{CONTEXT}", "-n", namespace],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode == 2, result.stderr
    assert "pass --yes to confirm" in result.stderr
    assert "Traceback" not in result.stderr
    assert admin.get("v1", "Namespace", namespace) is None


@pytest.mark.parametrize("answer", ["n", "y"])
def test_the_cli_asks_at_a_terminal_prompt(
    user_kubeconfig: Path, admin: KubeClient, answer: str
) -> None:
    import pexpect

    namespace = unique("lab")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "kubelab", "up", "--cluster", f"context:{CONTEXT}", "-n", namespace],
        cwd=str(Path(__file__).resolve().parents[3]),
        env=dict(os.environ),
        encoding="utf-8",
        timeout=60,
    )
    child.expect(rf"create and use namespace {namespace} in context {CONTEXT}")
    child.expect(r"Continue\? \[y/N\]")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    created = admin.get("v1", "Namespace", namespace)
    if answer == "n":
        assert child.exitstatus == 2
        assert "not confirmed: nothing was changed" in (child.before or "")
        assert created is None
    else:
        assert child.exitstatus == 0, child.before
        assert created is not None
        assert created["metadata"]["labels"][MANAGED_BY_LABEL] == "kubelab"
        ContextProvider(CONTEXT, namespace=namespace, yes=True).teardown()
