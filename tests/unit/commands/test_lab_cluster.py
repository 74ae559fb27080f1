"""Which commands may start a cluster: `lab_cluster`'s start modes, and the reason on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubelab.cluster import select
from kubelab.cluster.base import (
    ClusterStatus,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
    not_up,
)
from kubelab.commands.grading_support import lab_cluster


class Recording(Provider):
    def __init__(self, kind: str, up: bool) -> None:
        self.kind = kind
        self.up = up
        self.calls: list[str] = []
        self.reason = "picked for the test"

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> Recording:
        raise AssertionError("not used")

    @property
    def name(self) -> str:
        return "lab"

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset()

    def _lab(self) -> LabCluster:
        return LabCluster(self.kind, "lab", Path("kubeconfig"), "ctx", "default")

    def provision(self, progress: Progress) -> LabCluster:
        self.calls.append("provision")
        return self._lab()

    def attach(self, progress: Progress) -> LabCluster:
        self.calls.append("attach")
        if not self.up:
            raise not_up(self.spec, "not running")
        return self._lab()

    def status(self) -> ClusterStatus:
        raise AssertionError("not used")

    def teardown(self, progress: Progress) -> None:
        raise AssertionError("not used")


def use(monkeypatch: pytest.MonkeyPatch, provider: Recording) -> None:
    monkeypatch.setattr(select, "resolve_provider", lambda *a, **k: provider)


@pytest.mark.parametrize(
    ("kind", "start", "expected"),
    [
        ("sim", "never", "attach"),
        ("kind", "never", "attach"),
        ("sim", "not-kind", "provision"),
        ("context", "not-kind", "provision"),
        ("kind", "not-kind", "attach"),
        ("context", "never", "attach"),
        ("kind", "any", "provision"),
    ],
)
def test_start_modes(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    start: str,
    expected: str,
) -> None:
    provider = Recording(kind, up=True)
    use(monkeypatch, provider)
    lab = lab_cluster(None, None, False, start=start)  # type: ignore[arg-type]
    assert provider.calls == [expected] and lab.provider == kind
    assert f"kubelab: using {provider.spec} (picked for the test)" in capsys.readouterr().err


def test_a_cluster_that_is_not_up_is_exit_2_with_the_up_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use(monkeypatch, Recording("kind", up=False))
    with pytest.raises(SystemExit) as info:
        lab_cluster(None, None, False, start="never")
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "kubelab: the lab cluster kind:lab is not up: not running" in err
    assert "hint: run `kubelab up --cluster kind:lab` first" in err
