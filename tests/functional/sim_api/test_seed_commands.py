"""The kubectl commands of the seed tutorial and the `kubectl create` family, unmodified, against
the simulator: the wire level (each command succeeds and says what a real cluster says)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pexpect
import pytest

if TYPE_CHECKING:
    from tests.conftest import SimServer

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
SEED_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: my-nginx
  labels:
    run: my-nginx
spec:
  ports:
  - port: 80
    protocol: TCP
  selector:
    run: my-nginx
"""
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx
spec:
  selector:
    matchLabels:
      run: my-nginx
  replicas: 2
  template:
    metadata:
      labels:
        run: my-nginx
    spec:
      containers:
      - name: my-nginx
        image: nginx
        ports:
        - containerPort: 80
"""


@pytest.fixture(scope="module")
def seed_ns(sim: SimServer) -> str:
    sim.kubectl("create", "namespace", "seed", check=True)
    return "seed"


def run(sim: SimServer, ns: str, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return sim.kubectl("-n", ns, *args, **kw)  # type: ignore[arg-type]


def test_seed_flow(sim: SimServer, seed_ns: str, tmp_path: Path) -> None:
    svc = tmp_path / "nginx-svc.yaml"
    svc.write_text(SEED_SERVICE)
    run(sim, seed_ns, "apply", "-f", "-", input=DEPLOYMENT, check=True)
    out = run(sim, seed_ns, "apply", "-f", str(svc), check=True).stdout
    assert out.strip() == "service/my-nginx created"
    got = run(sim, seed_ns, "get", "svc", "my-nginx", check=True).stdout.splitlines()
    assert got[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert got[1].split()[:2] == ["my-nginx", "ClusterIP"]
    described = run(sim, seed_ns, "describe", "svc", "my-nginx", check=True).stdout
    assert "Selector:" in described and "run=my-nginx" in described
    waited = run(
        sim,
        seed_ns,
        "wait",
        "--for=condition=Ready",
        "pod",
        "-l",
        "run=my-nginx",
        "--timeout=20s",
        timeout=30,
    )
    assert waited.returncode == 0, waited.stderr
    pod = run(sim, seed_ns, "get", "pods", "-l", "run=my-nginx", "-o", "name", check=True)
    first = pod.stdout.split()[0].split("/")[1]
    env = run(sim, seed_ns, "exec", first, "--", "printenv", check=True).stdout
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1" in env
    assert (
        run(
            sim, seed_ns, "scale", "deployment", "my-nginx", "--replicas=0", check=True
        ).stdout.strip()
        == "deployment.apps/my-nginx scaled"
    )
    run(sim, seed_ns, "scale", "deployment", "my-nginx", "--replicas=2", check=True)
    wide = run(sim, seed_ns, "get", "pods", "-l", "run=my-nginx", "-o", "wide", check=True)
    assert "NOMINATED NODE" in wide.stdout.splitlines()[0]
    dns = sim.kubectl("get", "services", "kube-dns", "--namespace=kube-system", check=True)
    assert dns.stdout.splitlines()[1].split()[:3] == ["kube-dns", "ClusterIP", "10.96.0.10"]
    as_yaml = run(sim, seed_ns, "get", "svc", "my-nginx", "-o", "yaml", check=True).stdout
    assert "clusterIP:" in as_yaml and "managedFields" not in as_yaml
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/type: ClusterIP/type: NodePort/' \"$1\"\n")
    editor.chmod(0o755)
    env_edit = dict(sim.env, EDITOR=str(editor), KUBE_EDITOR=str(editor))
    edited = subprocess.run(
        [
            str(Path(sys.executable).parent / "kubectl"),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            seed_ns,
            "edit",
            "svc",
            "my-nginx",
        ],
        capture_output=True,
        text=True,
        env=env_edit,
        timeout=30,
    )
    assert edited.returncode == 0, edited.stderr
    assert edited.stdout.strip() == "service/my-nginx edited"
    after = json.loads(run(sim, seed_ns, "get", "svc", "my-nginx", "-o", "json", check=True).stdout)
    assert after["spec"]["type"] == "NodePort"
    dump = sim.kubectl("cluster-info", "dump", timeout=60, check=True).stdout
    assert "--service-cluster-ip-range=10.96.0.0/16" in dump


def test_create_family_apply_and_label(sim: SimServer, seed_ns: str) -> None:
    expected = {
        ("create", "deployment", "web", "--image=nginx"): "deployment.apps/web created",
        ("create", "service", "clusterip", "c1", "--tcp=80:80"): "service/c1 created",
        ("create", "service", "nodeport", "n1", "--tcp=80:80"): "service/n1 created",
        ("create", "service", "loadbalancer", "l1", "--tcp=80:80"): "service/l1 created",
        (
            "create",
            "service",
            "externalname",
            "e1",
            "--external-name=example.com",
        ): "service/e1 created",
        ("create", "configmap", "cfg", "--from-literal=a=b"): "configmap/cfg created",
        ("label", "svc", "c1", "tier=x"): "service/c1 labeled",
        ("expose", "deployment", "web", "--port=8080", "--target-port=80"): "service/web exposed",
    }
    for args, line in expected.items():
        assert run(sim, seed_ns, *args, check=True).stdout.strip() == line
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twice\ndata:\n  a: '1'\n"
    assert run(sim, seed_ns, "apply", "-f", "-", input=manifest, check=True).stdout.strip() == (
        "configmap/twice created"
    )
    assert run(sim, seed_ns, "apply", "-f", "-", input=manifest, check=True).stdout.strip() == (
        "configmap/twice unchanged"
    )
    ssa = run(sim, seed_ns, "apply", "--server-side", "-f", "-", input=manifest, check=True)
    assert ssa.stdout.strip() == "configmap/twice serverside-applied"
    everything = run(sim, seed_ns, "get", "all", check=True).stdout
    assert "deployment.apps/web" in everything and "service/c1" in everything
    assert "configmap" not in everything
    all_ns = sim.kubectl("get", "svc", "-A", check=True).stdout.splitlines()
    assert all_ns[0].split()[0] == "NAMESPACE"
    explained = sim.kubectl("explain", "service.spec.ports", check=True).stdout
    assert "FIELD: ports <[]ServicePort>" in explained
    deleted = run(sim, seed_ns, "delete", "svc", "e1", check=True).stdout.strip()
    assert deleted == f'service "e1" deleted from {seed_ns} namespace'


def test_run_rm_returns_promptly(sim: SimServer, seed_ns: str) -> None:
    start = time.monotonic()
    result = run(
        sim,
        seed_ns,
        "run",
        "once",
        "--rm",
        "-i",
        "--image=busybox:1.37",
        "--restart=Never",
        "--",
        "echo",
        "hello",
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "hello" in result.stdout
    assert time.monotonic() - start < 15
    assert 'pod "once" deleted' in result.stdout
    # The pod terminates gracefully (as on a real cluster, briefly Terminating), then is gone.
    deadline = time.monotonic() + 10
    while True:
        gone = run(sim, seed_ns, "get", "pod", "once")
        if gone.returncode == 1:
            break
        assert time.monotonic() < deadline, gone.stdout
        time.sleep(0.2)
    assert 'pods "once" not found' in gone.stderr


def test_run_tty_reaches_busybox_prompt(sim: SimServer, seed_ns: str) -> None:
    kubectl = str(Path(sys.executable).parent / "kubectl")
    child = pexpect.spawn(
        kubectl,
        [
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            seed_ns,
            "run",
            "bb",
            "--image=busybox:1.37",
            "-i",
            "--tty",
            "--restart=Never",
        ],
        env={**os.environ, **sim.env},
        encoding="utf-8",
        timeout=20,
    )
    try:
        # As on a real cluster, the shell's first prompt went out before kubectl attached.
        child.expect("try pressing enter")
        child.sendline("")
        child.expect(r"/ # ")
        child.sendline("echo $((40+2))")
        child.expect("42")
        child.sendline("exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_logs_follow_streams_until_the_container_ends(sim: SimServer, seed_ns: str) -> None:
    script = "for i in 1 2 3; do echo line $i; sleep 0.3; done"
    run(
        sim,
        seed_ns,
        "run",
        "counter",
        "--image=busybox:1.37",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        script,
        check=True,
    )
    run(sim, seed_ns, "wait", "--for=condition=Ready", "pod/counter", "--timeout=20s", timeout=30)
    start = time.monotonic()
    followed = run(sim, seed_ns, "logs", "-f", "counter", timeout=30, check=True)
    assert followed.stdout.splitlines()[-1] == "line 3"
    assert time.monotonic() - start < 20


def test_run_tty_radial_busyboxplus_times_out_as_on_kind(sim: SimServer, seed_ns: str) -> None:
    """The seed's `kubectl run curl --image=radial/busyboxplus:curl -i --tty`: the image cannot
    be pulled, so kubectl waits for a running pod and gives up with its own message (the
    default wait is a minute; the test shortens it)."""
    kubectl = str(Path(sys.executable).parent / "kubectl")
    child = pexpect.spawn(
        kubectl,
        [
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            seed_ns,
            "run",
            "curl",
            "--image=radial/busyboxplus:curl",
            "-i",
            "--tty",
            "--pod-running-timeout=2s",
        ],
        env={**os.environ, **sim.env},
        encoding="utf-8",
        timeout=30,
    )
    try:
        child.expect("error: timed out waiting for the condition")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 1
    assert "try pressing enter" not in (child.before or "")
    status = run(sim, seed_ns, "get", "pod", "curl", check=True).stdout.splitlines()[1].split()
    assert status[1:3] in (["0/1", "ErrImagePull"], ["0/1", "ImagePullBackOff"])
    run(sim, seed_ns, "delete", "pod", "curl", "--wait=false", check=True)


def test_logs_follow_streams_lines_as_they_are_printed(sim: SimServer, seed_ns: str) -> None:
    script = "for i in $(seq 1 6); do echo tick $i; sleep 0.5; done"
    run(
        sim,
        seed_ns,
        "run",
        "ticker",
        "--image=busybox:1.37",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        script,
        check=True,
    )
    run(sim, seed_ns, "wait", "--for=condition=Ready", "pod/ticker", "--timeout=20s", timeout=30)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "kubectl"),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            seed_ns,
            "logs",
            "-f",
            "ticker",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sim.env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("tick ")
        assert proc.poll() is None  # the first line came while the container still prints
        rest, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 0, err
    assert rest.splitlines()[-1] == "tick 6"
