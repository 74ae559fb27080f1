"""The simulator answers the real kubectl: discovery, CRUD, Table output."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def test_get_namespaces_table(kubectl: Kubectl) -> None:
    out = kubectl("get", "ns", check=True).stdout
    assert out.splitlines()[0].split() == ["NAME", "STATUS", "AGE"]
    names = [line.split()[0] for line in out.splitlines()[1:]]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(names)


def test_configmap_crud(kubectl: Kubectl) -> None:
    manifest = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: smoke-cm\n  labels: {t: smoke}\n"
        "data:\n  a: '1'\n  b: '2'\n"
    )
    created = kubectl("create", "-f", "-", input=manifest, check=True)
    assert created.stdout.strip() == "configmap/smoke-cm created"
    again = kubectl("create", "-f", "-", input=manifest)
    assert again.returncode == 1
    assert 'configmaps "smoke-cm" already exists' in again.stderr
    table = kubectl("get", "cm", "smoke-cm", check=True).stdout.splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"]
    assert table[1].split()[:2] == ["smoke-cm", "2"]
    labelled = kubectl("get", "cm", "-l", "t=smoke", "-o", "name", check=True).stdout
    assert labelled.strip() == "configmap/smoke-cm"
    deleted = kubectl("delete", "cm", "smoke-cm", check=True)
    assert deleted.stdout.strip() == 'configmap "smoke-cm" deleted from default namespace'
    gone = kubectl("get", "cm", "smoke-cm")
    assert gone.returncode == 1
    assert 'configmaps "smoke-cm" not found' in gone.stderr
