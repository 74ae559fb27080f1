"""The light API probe the sim provider uses at start-up: GETs over the kubeconfig's CA and token
against the real simulator; a wrong token is an error; what it cannot read is said so."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kubelab.cluster.base import ClusterError
from kubelab.cluster.probe import Probe, ProbeUnsupported


def test_version_and_nodes_from_the_simulator(sim: object, tmp_path: Path) -> None:
    kubeconfig: Path = sim.kubeconfig  # type: ignore[attr-defined]
    probe = Probe(kubeconfig)
    assert probe.get("/version")["major"] == "1"
    assert len(probe.get("/api/v1/nodes")["items"]) >= 1
    config = yaml.safe_load(kubeconfig.read_text())
    config["users"][0]["user"]["token"] = "wrong"
    wrong = tmp_path / "wrong"
    wrong.write_text(yaml.safe_dump(config))
    with pytest.raises(ClusterError, match="401"):
        Probe(wrong).get("/api/v1/nodes")


def test_kubeconfigs_it_cannot_read_are_left_to_the_client(tmp_path: Path) -> None:
    def config(user: dict[str, object], server: str = "https://127.0.0.1:6443") -> Path:
        path = tmp_path / "config"
        path.write_text(
            yaml.safe_dump(
                {
                    "clusters": [
                        {
                            "name": "c",
                            "cluster": {"server": server, "certificate-authority-data": "eA=="},
                        }
                    ],
                    "users": [{"name": "u", "user": user}],
                    "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                    "current-context": "x",
                }
            )
        )
        return path

    with pytest.raises(ProbeUnsupported):
        Probe(config({"client-certificate-data": "eA==", "client-key-data": "eA=="}))
    with pytest.raises(ProbeUnsupported):
        Probe(config({"exec": {"command": "aws"}}))
    with pytest.raises(ProbeUnsupported):
        Probe(config({"token": "t"}, server="http://127.0.0.1:8080"))
