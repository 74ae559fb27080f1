"""The sim provider runs the real `kubelab sim serve` in the background, reuses it, stops it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubelab.cluster import process
from kubelab.cluster.base import ClusterError, ClusterNotUp
from kubelab.cluster.client import KubeClient
from kubelab.cluster.sim import SimProvider


@pytest.fixture
def provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimProvider]:
    monkeypatch.setenv("KUBELAB_STATE_DIR", str(tmp_path / "state"))
    sim = SimProvider(start_timeout=30)
    try:
        yield sim
    finally:
        pid = sim.running_pid()
        if pid is not None:
            process.stop(pid, timeout=5)


def test_provision_reuse_status_teardown(provider: SimProvider, tmp_path: Path) -> None:
    messages: list[str] = []
    with pytest.raises(ClusterNotUp) as not_up:
        provider.attach(messages.append)  # attach never starts a simulator
    assert "the simulator is not running" in not_up.value.message
    assert not_up.value.hint == "run `kubelab up --cluster sim` first"
    assert provider.running_pid() is None and not provider.pidfile.exists()
    lab = provider.provision(messages.append)
    pid = provider.running_pid()
    assert pid is not None
    assert lab.provider == "sim" and lab.namespace == "default"
    assert lab.kubeconfig == tmp_path / "state" / "sim" / "kubeconfig"
    assert {"nodeport-from-host", "loadbalancer"} <= lab.capabilities
    assert any("simulator ready in" in m for m in messages)
    with KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client:
        assert client.is_reachable()

    again = provider.provision(messages.append)
    assert provider.running_pid() == pid
    assert f"reusing the simulator already running (pid {pid})" in messages
    assert again.kubeconfig == lab.kubeconfig
    attached = provider.attach(messages.append)
    assert attached == lab and provider.running_pid() == pid

    status = provider.status()
    assert status.provisioned and status.api_reachable
    assert status.context == lab.context

    provider.teardown(messages.append)
    assert not process.pid_alive(pid)
    assert not lab.kubeconfig.exists()
    assert not provider.status().provisioned


def test_a_dead_pidfile_starts_a_new_simulator(provider: SimProvider) -> None:
    provider.dir.mkdir(parents=True)
    provider.pidfile.write_text(f"{os.getpid()}\n")  # alive, but not a simulator
    lab = provider.provision()
    pid = provider.running_pid()
    assert pid is not None and pid != os.getpid()
    assert lab.kubeconfig.exists()


def test_start_failure_shows_the_log_tail(provider: SimProvider) -> None:
    provider.state.mkdir(parents=True)  # a directory where the state file should be
    with pytest.raises(ClusterError) as info:
        provider.provision()
    assert "the simulator exited with code" in info.value.message
    assert str(provider.logfile) in info.value.message
    assert "state" in info.value.message.split("ends with:")[1]
    assert provider.running_pid() is None
