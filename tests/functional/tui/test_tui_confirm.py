"""A borrowed context asks before kubelab changes it: in the TUI the question is a modal dialog
(the provider cannot prompt from a worker thread); yes provisions again with the change
confirmed, no leaves the cluster untouched."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from tui_support import COURSE, services_for, wait_for

from kubelab.cluster.base import Provider
from kubelab.cluster.client import KubeClient
from kubelab.cluster.context import ContextProvider
from kubelab.lessons.loader import load_course
from kubelab.tui.app import create_app
from kubelab.tui.screens.confirm import ConfirmScreen
from kubelab.tui.screens.home import HomeScreen

pytestmark = pytest.mark.timeout(90)


async def test_a_borrowed_context_is_confirmed_in_a_dialog(
    sim: Any, tui_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(sim.kubeconfig))
    namespace = f"tui-confirm-{uuid.uuid4().hex[:6]}"
    asked: list[bool] = []

    def resolve(confirmed: bool = False) -> Provider:
        asked.append(confirmed)
        return ContextProvider("kubelab-sim", namespace=namespace, yes=confirmed)

    services = services_for(
        ContextProvider("kubelab-sim", namespace=namespace),
        tmp_path / "progress.json",
        course=lambda: load_course(COURSE),
    )
    services.resolve_provider = resolve
    app = create_app(services, keymap={})
    kube = KubeClient(sim.kubeconfig, None, namespace)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            # The dialog is pushed before its widgets mount: wait for the question itself.
            await wait_for(
                lambda: isinstance(app.screen, ConfirmScreen) and app.screen.query("#question"),
                what="the question",
            )
            question = str(app.screen.query_one("#question").render())
            assert f"kubelab will create and use namespace {namespace}" in question
            assert "context kubelab-sim" in question
            await pilot.press("n")
            await wait_for(lambda: app.errors, what="the refusal")
            assert isinstance(app.screen, HomeScreen)
            assert "not confirmed: nothing was changed" in str(
                app.screen.query_one("#cluster").render()
            )
            assert app.cluster is None and kube.get("v1", "Namespace", namespace) is None
            await pilot.press("u")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen), what="asked again")
            await pilot.press("y")
            await wait_for(lambda: app.cluster is not None, what="the confirmed cluster")
            assert app.cluster is not None and app.cluster.namespace == namespace
            assert asked == [False, False, True]
            created = kube.get("v1", "Namespace", namespace)
            assert created is not None
            labels = created["metadata"].get("labels") or {}
            assert labels.get("app.kubernetes.io/managed-by") == "kubelab"
    finally:
        kube.delete_namespace(namespace)
        kube.close()
