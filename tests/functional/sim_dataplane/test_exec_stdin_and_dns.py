"""exec stdin over v5.channel.k8s.io with the official Python client (the client's
kubernetes/base/stream/ws_client.py sends str stdin as TEXT frames and closes stdin with the v5
close frame `[255, 0]`; the apiserver's wsstream reads every data frame alike), and busybox
nslookup of an ExternalName Service whose target is in the cluster (CoreDNS's
plugin/backend_lookup.go follows in-zone CNAMEs: the answer holds the CNAME and the A record)."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

WAIT = 30.0
SERVICES = """apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: alias
spec:
  type: ExternalName
  externalName: backend.{ns}.svc.cluster.local
"""


@pytest.fixture(scope="module")
def ns(sim: Any) -> Iterator[str]:
    name = f"io-{secrets.token_hex(3)}"
    sim.kubectl("create", "namespace", name, check=True)
    sim.kubectl(
        "-n", name, "run", "bb", "--image=busybox:1.37", "--restart=Never", "--",
        "sleep", "3600", check=True,
    )  # fmt: skip
    deadline = time.monotonic() + WAIT
    while sim.kubectl("-n", name, "get", "pod", "bb", "-o", "jsonpath={.status.phase}").stdout != (
        "Running"
    ):
        assert time.monotonic() < deadline, "bb not running"
        time.sleep(0.2)
    yield name
    sim.kubectl("delete", "namespace", name, "--wait=false")


def test_stdin_to_cat_is_echoed_and_closing_it_ends_cat(sim: Any, ns: str) -> None:
    from kubernetes import client, config
    from kubernetes.stream import stream

    api = client.CoreV1Api(config.new_client_from_config(str(sim.kubeconfig)))
    ws = stream(
        api.connect_get_namespaced_pod_exec,
        "bb",
        ns,
        command=["cat"],
        stderr=True,
        stdin=True,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    try:
        assert ws.subprotocol == "v5.channel.k8s.io"  # type: ignore[attr-defined]
        ws.write_stdin("test-close\n")
        echoed = ""
        deadline = time.monotonic() + WAIT
        while "\n" not in echoed and time.monotonic() < deadline:
            ws.update(timeout=1)
            echoed += ws.read_stdout(timeout=0.1) or ""
        assert echoed == "test-close\n"
        ws.close_channel(0)  # type: ignore[attr-defined]
        ws.run_forever(timeout=WAIT)
        assert not ws.is_open()
        assert ws.returncode == 0
    finally:
        ws.close()


def test_nslookup_of_an_external_name_follows_an_in_cluster_target(sim: Any, ns: str) -> None:
    sim.kubectl("-n", ns, "apply", "-f", "-", input=SERVICES.format(ns=ns), check=True)
    ip = sim.kubectl("-n", ns, "get", "svc", "backend", "-o", "jsonpath={.spec.clusterIP}").stdout
    out = sim.kubectl("-n", ns, "exec", "bb", "--", "nslookup", f"alias.{ns}.svc.cluster.local")
    target = f"backend.{ns}.svc.cluster.local"
    # busybox 1.37 networking/nslookup.c: the CNAME line, then Name:/Address: of the target
    expected = (
        f"alias.{ns}.svc.cluster.local\tcanonical name = {target}\nName:\t{target}\nAddress: {ip}\n"
    )
    assert expected in out.stdout, out.stdout
    assert re.findall(r"Address: (\S+)", out.stdout) == [ip]  # the A query; AAAA: CNAME only
