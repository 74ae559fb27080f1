"""The options and exit handling every command shares."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from kubelab.cluster.base import ClusterError
from kubelab.commands.exits import exit_codes
from kubelab.commands.options import cluster_options, terminal_confirm


def test_cluster_options_and_error_reporting() -> None:
    seen: dict[str, object] = {}

    @click.command()
    @cluster_options
    @exit_codes
    def probe(cluster: str | None, namespace: str | None, yes: bool) -> None:
        seen.update(cluster=cluster, namespace=namespace, yes=yes)
        if cluster == "boom":
            raise ClusterError("it broke", hint="fix it")
        if cluster == "ctrl-c":
            raise KeyboardInterrupt

    runner = CliRunner()
    ok = runner.invoke(probe, ["--cluster", "sim", "-n", "ns1", "--yes"])
    assert ok.exit_code == 0 and seen == {"cluster": "sim", "namespace": "ns1", "yes": True}
    failed = runner.invoke(probe, ["-c", "boom"])
    assert failed.exit_code == 2
    assert "kubelab: it broke\nhint: fix it" in failed.output
    interrupted = runner.invoke(probe, ["-c", "ctrl-c"])
    assert interrupted.exit_code == 130 and "kubelab: interrupted" in interrupted.output


def test_no_prompt_off_the_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from kubelab.cluster.base import ConfirmationRequired

    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    raised: list[BaseException] = []

    def worker() -> None:
        try:
            terminal_confirm("go?")
        except ConfirmationRequired as exc:
            raised.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=10)
    assert len(raised) == 1 and raised[0].hint == "pass --yes to confirm"
