"""The kind path on this machine: a stand-in `kind` executable (first on PATH) that serves the
simulator with kind's kubeconfig shape and context name (`kind-kubelab`), and a stand-in
`docker`. `kubelab up/status/down --cluster kind` and the kind provider's own code (create, reuse,
the nodePorts published on 127.0.0.1, images loaded, health) run for real against it, and the
course walk is taken once through it. The real kind run is the GitHub workflow's.

Run alone: `pytest -q tests/functional/cluster/test_kind_standin_walk.py`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from kubelab.cluster.client import KubeClient
from kubelab.cluster.kind import KindProvider
from kubelab.progress import ProgressStore

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "functional" / "lessons"))
from test_course_walk import LESSONS, Journey, walk  # noqa: E402

STANDIN = r"""#!{python}
import json, os, signal, subprocess, sys, time
import yaml
prog = os.path.basename(sys.argv[0])
args = sys.argv[1:]
home = os.environ["STANDIN_DIR"]
with open(os.path.join(home, "calls.jsonl"), "a") as log:
    log.write(json.dumps([prog, *args]) + "\n")
pidfile = os.path.join(home, "sim.pid")
simconfig = os.path.join(home, "sim.kubeconfig")

def alive():
    try:
        pid = int(open(pidfile).read())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None

def kind_kubeconfig():
    # what `kind get kubeconfig` prints: cluster, context and user all named kind-<name>
    sim = yaml.safe_load(open(simconfig))
    name = "kind-kubelab"
    return {{
        "apiVersion": "v1", "kind": "Config", "preferences": {{}},
        "clusters": [{{"name": name, "cluster": sim["clusters"][0]["cluster"]}}],
        "users": [{{"name": name, "user": sim["users"][0]["user"]}}],
        "contexts": [{{"name": name, "context": {{"cluster": name, "user": name}}}}],
        "current-context": name,
    }}

if prog == "docker":
    if args[:1] == ["info"]:
        print("{{}}")
    elif args[:1] == ["inspect"]:
        sys.stderr.write("Error: No such object: " + args[-1] + "\n")
        sys.exit(1)
    sys.exit(0)
if args[:2] == ["get", "clusters"]:
    if alive():
        print("kubelab")
    else:
        sys.stderr.write("No kind clusters found.\n")
    sys.exit(0)
if args[:2] == ["get", "kubeconfig"]:
    sys.stdout.write(yaml.safe_dump(kind_kubeconfig()))
    sys.exit(0)
if args[:2] == ["create", "cluster"]:
    with open(args[args.index("--config") + 1]) as src, \
            open(os.path.join(home, "kind-config.yaml"), "w") as dst:
        dst.write(src.read())
    sys.stderr.write('Creating cluster "kubelab" ...\n')
    with open(os.path.join(home, "sim.log"), "ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "kubelab", "sim", "serve", "--host", "127.0.0.1", "--port",
             "0", "--kubeconfig", simconfig, "--state", os.path.join(home, "state.db")],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with open(pidfile, "w") as f:
        f.write(str(child.pid))
    deadline = time.monotonic() + 60
    while not os.path.exists(simconfig):
        if child.poll() is not None or time.monotonic() > deadline:
            sys.stderr.write("ERROR: failed to create cluster: the nodes did not start\n")
            sys.exit(1)
        time.sleep(0.05)
    with open(args[args.index("--kubeconfig") + 1], "w") as out:
        out.write(yaml.safe_dump(kind_kubeconfig()))
    sys.stderr.write(" \u2713 Joining worker nodes\n")
    sys.exit(0)
if args[:1] == ["load"]:
    sys.exit(0)
if args[:2] == ["delete", "cluster"]:
    pid = alive()
    sys.stderr.write('Deleting cluster "kubelab" ...\n')
    if pid:
        os.kill(pid, signal.SIGTERM)
        for _ in range(200):
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.05)
    for path in (pidfile, simconfig):
        if os.path.exists(path):
            os.remove(path)
    sys.exit(0)
sys.exit(3)
"""


def free_nodeports(count: int = 20) -> str:
    """`count` consecutive free ports on 127.0.0.1 in the nodePort range, as
    KUBELAB_KIND_NODEPORTS takes them."""
    start = 31000 + (os.getpid() % 50) * 30
    while start + count < 32767:
        taken = False
        for port in range(start, start + count):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    taken = True
                    break
        if not taken:
            return f"{start}-{start + count - 1}"
        start += count
    raise AssertionError("no free nodePort range")


@pytest.fixture
def kind_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    bin_dir, standin = tmp_path / "bin", tmp_path / "kind-standin"
    bin_dir.mkdir()
    standin.mkdir()
    for name in ("kind", "docker"):
        path = bin_dir / name
        path.write_text(STANDIN.format(python=sys.executable))
        path.chmod(0o755)
    values = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "STANDIN_DIR": str(standin),
        "KUBELAB_STATE_DIR": str(tmp_path / "state"),
        "KUBELAB_CONFIG": str(tmp_path / "config.toml"),
        "HOME": str(tmp_path / "home"),
        "KUBELAB_KIND_NODEPORTS": free_nodeports(),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in ("KUBECONFIG", "KUBELAB_CLUSTER", "KIND_EXPERIMENTAL_PROVIDER"):
        monkeypatch.delenv(key, raising=False)
    yield {**os.environ, **values}
    pid = standin / "sim.pid"
    if pid.exists():  # a failed test: stop the stand-in's simulator
        subprocess.run([str(bin_dir / "kind"), "delete", "cluster"], env={**os.environ, **values})


def kubelab(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubelab", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
        env=env,
    )


def calls(env: dict[str, str]) -> list[list[str]]:
    log = Path(env["STANDIN_DIR"]) / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.timeout(900)
def test_the_course_walk_through_the_kind_provider(
    kind_env: dict[str, str], tmp_path: Path
) -> None:
    up = kubelab(kind_env, "up", "--cluster", "kind")
    assert up.returncode == 0, up.stderr
    assert "creating kind cluster kubelab" in up.stderr
    assert ["kind", "load", "docker-image", "busybox:1.37", "--name", "kubelab"] in calls(kind_env)
    first, last = (int(p) for p in kind_env["KUBELAB_KIND_NODEPORTS"].split("-"))
    config = yaml.safe_load((Path(kind_env["STANDIN_DIR"]) / "kind-config.yaml").read_text())
    published = [m["hostPort"] for n in config["nodes"] for m in n.get("extraPortMappings", [])]
    assert published == list(range(first, last + 1))
    again = kubelab(kind_env, "up", "--cluster", "kind")
    assert again.returncode == 0 and "reusing kind cluster kubelab" in again.stderr
    status = kubelab(kind_env, "status", "--cluster", "kind", "--json")
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["context"] == "kind-kubelab" and data["api_reachable"] is True

    lab = KindProvider().attach()
    assert lab.context == "kind-kubelab" and lab.namespace == "default"
    assert lab.nodeport_map == {port: port for port in range(first, last + 1)}
    with KubeClient(lab.kubeconfig, lab.context, lab.namespace) as client:
        journey = Journey(
            client, lab, ProgressStore(tmp_path / "progress.json"), tmp_path / "cache", {}
        )
        walk(journey, LESSONS)

    down = kubelab(kind_env, "down", "--cluster", "kind", "--yes")
    assert down.returncode == 0, down.stderr
    gone = kubelab(kind_env, "status", "--cluster", "kind")
    assert "no kind cluster named kubelab" in gone.stdout + gone.stderr
