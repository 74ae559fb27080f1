"""Consent: kubelab never adopts a namespace it did not label. Issue 15's race: the namespace is
missing when `kubelab up` on a borrowed context asks for consent, someone creates it (without
kubelab's label) while the prompt is open, the learner says yes: kubelab refuses it, leaves it
unlabelled and touches nothing in it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.base import MANAGED_BY_LABEL, ClusterError
from kubelab.cluster.client import KubeClient
from kubelab.cluster.context import ContextProvider

CONTEXT = "kubelab-sim"


def test_a_namespace_created_during_the_consent_prompt_is_not_adopted(
    sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    (home / ".kube" / "config").write_text(sim.kubeconfig.read_text())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    namespace = f"raced-{uuid.uuid4().hex[:8]}"
    admin = KubeClient(sim.kubeconfig, None, namespace)
    asked: list[str] = []

    def someone_else_is_faster(question: str) -> bool:
        asked.append(question)
        admin.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        admin.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "theirs"}}, namespace
        )
        return True

    provider = ContextProvider(CONTEXT, namespace=namespace, confirm=someone_else_is_faster)
    with pytest.raises(ClusterError, match="was not created by kubelab"):
        provider.provision()
    assert asked, "the consent prompt was not shown"
    stored = admin.get("v1", "Namespace", namespace)
    assert stored is not None
    assert MANAGED_BY_LABEL not in (stored["metadata"].get("labels") or {})
    assert admin.get("v1", "ConfigMap", "theirs", namespace) is not None
    admin.delete_namespace(namespace)
