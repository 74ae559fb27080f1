"""Choosing the cluster: --cluster, KUBELAB_CLUSTER, the remembered cluster, the config file,
auto; and the state files behind them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.cluster import state
from kubelab.cluster.base import ClusterError
from kubelab.cluster.context import ContextProvider, default_namespace
from kubelab.cluster.kind import KindProvider
from kubelab.cluster.select import PROVIDERS, canonical_spec, resolve_provider
from kubelab.cluster.sim import SimProvider


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("KUBELAB_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.delenv("KUBELAB_CLUSTER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


def test_canonical_specs() -> None:
    assert canonical_spec("kind") == "kind:kubelab"
    assert canonical_spec("KIND:lab2") == "kind:lab2"
    assert canonical_spec(" sim ") == "sim"
    assert canonical_spec("context:my-ctx") == "context:my-ctx"


def test_auto_without_kind_picks_the_simulator_and_says_why() -> None:
    provider = resolve_provider(None, namespace=None, yes=False)
    assert isinstance(provider, SimProvider)
    assert provider.reason == "auto picked the simulator: no `kind` binary on PATH"


def test_explicit_values() -> None:
    kind = resolve_provider("kind:lab2", namespace=None, yes=False)
    assert isinstance(kind, KindProvider) and kind.name == "lab2" and kind.spec == "kind:lab2"
    assert kind.reason == "--cluster kind:lab2"
    context = resolve_provider("context:classroom", namespace="kubelab-ann", yes=True)
    assert isinstance(context, ContextProvider)
    assert context.namespace == "kubelab-ann" and context.yes


@pytest.mark.parametrize("bad", ["minikube", "context:", "sim:x"])
def test_bad_values_are_cluster_errors(bad: str) -> None:
    with pytest.raises(ClusterError):
        resolve_provider(bad, namespace=None, yes=False)


def test_precedence_env_then_remembered_then_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text('cluster = "kind:from-config"\n')
    assert resolve_provider(None, namespace=None, yes=False).spec == "kind:from-config"
    state.remember(state.Remembered(spec="kind:remembered"))
    assert resolve_provider(None, namespace=None, yes=False).spec == "kind:remembered"
    monkeypatch.setenv("KUBELAB_CLUSTER", "sim")
    chosen = resolve_provider(None, namespace=None, yes=False)
    assert chosen.spec == "sim" and chosen.reason == "KUBELAB_CLUSTER=sim"
    assert resolve_provider("kind", namespace=None, yes=False).spec == "kind:kubelab"


def test_remembered_confirmation_applies_only_to_the_same_context_and_namespace() -> None:
    state.remember(state.Remembered(spec="context:c1", namespace="kubelab-x", confirmed=True))
    same = resolve_provider(None, namespace=None, yes=False)
    assert isinstance(same, ContextProvider)
    assert same.namespace == "kubelab-x" and same.yes
    other_ns = resolve_provider("context:c1", namespace="kubelab-y", yes=False)
    assert isinstance(other_ns, ContextProvider) and not other_ns.yes
    other_ctx = resolve_provider("context:c2", namespace=None, yes=False)
    assert isinstance(other_ctx, ContextProvider)
    assert not other_ctx.yes and other_ctx.namespace == default_namespace()


def test_config_file_namespace(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('cluster = "context:room"\nnamespace = "kubelab-bob"\n')
    provider = resolve_provider(None, namespace=None, yes=False)
    assert isinstance(provider, ContextProvider) and provider.namespace == "kubelab-bob"


def test_damaged_files_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("cluster = \n")
    with pytest.raises(ClusterError, match="cannot read kubelab's config file"):
        state.config()
    (tmp_path / "config.toml").unlink()
    (state.state_dir() / "cluster.json").write_text("{")
    with pytest.raises(ClusterError, match=r"remembered cluster file .* is damaged"):
        state.remembered()


def test_forget_only_the_named_cluster() -> None:
    state.remember(state.Remembered(spec="sim"))
    state.forget("kind:kubelab")
    assert state.remembered() == state.Remembered(spec="sim")
    state.forget("sim")
    assert state.remembered() is None


def test_invalid_namespace_name() -> None:
    with pytest.raises(ClusterError, match="not a valid namespace name"):
        resolve_provider("context:c", namespace="Not_Valid", yes=False)


def test_a_confirm_callback_reaches_the_context_provider() -> None:
    def always(question: str) -> bool:
        return True

    provider = resolve_provider("context:c", namespace=None, yes=False, confirm=always)
    assert isinstance(provider, ContextProvider) and provider.confirm is always


def test_bad_sim_start_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBELAB_SIM_START_TIMEOUT", "soon")
    with pytest.raises(ClusterError, match="is not a number of seconds"):
        SimProvider()
    monkeypatch.setenv("KUBELAB_SIM_START_TIMEOUT", "45")
    assert SimProvider().start_timeout == 45.0


def test_a_state_dir_that_cannot_be_created_is_a_cluster_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kubelab.cluster.state import state_dir

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(blocker / "state"))
    with pytest.raises(ClusterError) as info:
        state_dir()
    assert str(blocker / "state") in info.value.message
    assert "KUBELAB_STATE_DIR" in (info.value.hint or "")


def test_every_provider_is_one_table_line_that_parses_its_own_spec() -> None:
    assert {name: provider.kind for name, provider in PROVIDERS.items()} == {
        "sim": "sim",
        "kind": "kind",
        "context": "context",
    }
    for spec in ("sim", "kind:lab2", "context:classroom"):
        assert resolve_provider(spec, namespace=None, yes=True).spec == spec


def test_without_a_way_to_ask_a_borrowed_context_refuses_to_change_anything() -> None:
    from kubelab.cluster.base import ConfirmationRequired

    provider = resolve_provider("context:c", namespace=None, yes=False)
    assert isinstance(provider, ContextProvider)
    with pytest.raises(ConfirmationRequired, match="no terminal to ask"):
        provider.confirm("go?")
