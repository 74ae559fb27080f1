"""Security rules, one test each (rules already proven elsewhere are referenced in
docs/reliability.md instead of repeated here):

- the simulator refuses requests without its token, and a refused write changes nothing;
- every socket the simulator listens on is bound to loopback (API and NodePort listeners);
- state files are private: the kubeconfig, the simulator's state.db (and its WAL), the progress
  file, kubelab's remembered cluster;
- a lesson's manifest path cannot leave the course root through a symlink;
- a lesson's commands are kubectl argument lists run without a shell, and cannot start a kubectl
  plugin (a host program) found on PATH.

The lab-namespace rules (a lesson's manifests and commands, a submission's objects) are in
test_lab_scope.py.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kubelab.cluster.client import KubeClient
from kubelab.grading.actions import ActionFailed, apply_actions, run_command
from kubelab.lessons.loader import load_lesson
from kubelab.lessons.problems import LessonLoadError

LESSON = """\
format_version: 1
id: rules
title: Rules
summary: A lesson that tries to reach outside its lab.
steps:
  - id: one
    title: One
    body: Do it.
    solution:
      manifests: [{manifests}]
      commands: {commands}
    checks:
      - kind: assert
        name: exists
        explain: Look.
        object: {{kind: ConfigMap, name: mine}}
        match: {{data: {{a: "1"}}}}
"""


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request(
    url: str, method: str = "GET", token: str | None = None, body: Any = None
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10, context=unverified()) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def token_of(kubeconfig: Path) -> str:
    for line in kubeconfig.read_text().splitlines():
        if line.strip().startswith("token:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no token in the kubeconfig")


@pytest.fixture
def victim(sim: Any) -> Iterator[str]:
    """A namespace the lesson does not own, holding a ConfigMap `victim`."""
    name = f"victim-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as client:
        client.ensure_namespace(name)
        client.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "victim"}}, name
        )
        yield name
        client.delete_namespace(name)


@pytest.fixture
def lab_client(sim: Any) -> Iterator[KubeClient]:
    name = f"lab-{secrets.token_hex(3)}"
    with KubeClient(sim.kubeconfig, None, name) as client:
        client.ensure_namespace(name)
        yield client
        client.delete_namespace(name)


def lesson_with(tmp_path: Path, manifest: str | None, commands: list[list[str]]) -> Any:
    root = tmp_path / "course"
    (root / "lessons").mkdir(parents=True)
    (root / "manifests").mkdir()
    refs = ""
    if manifest is not None:
        (root / "manifests" / "m.yaml").write_text(manifest)
        refs = "../manifests/m.yaml"
    path = root / "lessons" / "01-rules.yaml"
    path.write_text(LESSON.format(manifests=refs, commands=json.dumps(commands)))
    return load_lesson(path, root)


# -- the simulator ---------------------------------------------------------------------------


def test_simulator_refuses_requests_without_its_token(sim: Any) -> None:
    name = f"no-token-{secrets.token_hex(3)}"
    url = f"{sim.server}/api/v1/namespaces/default/configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    for token in (None, "", "not-the-token", token_of(sim.kubeconfig)[:-1]):
        status, _ = request(url, token=token)
        assert status == 401, token
        status, _ = request(url, "POST", token=token, body=body)
        assert status == 401, token
    status, _ = request(f"{url}/{name}", token=token_of(sim.kubeconfig))
    assert status == 404  # the refused creates left nothing behind


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(local address, port) of every listening TCP socket of process `pid` (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            if width == 8:
                host = ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
            else:
                host = "::1" if address == "0" * 24 + "01000000" else address
            found.append((host, int(port, 16)))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_simulator_listens_on_loopback_only(sim: Any) -> None:
    namespace = f"listen-{secrets.token_hex(3)}"
    sim.kubectl("create", "namespace", namespace, check=True)
    sim.kubectl("create", "service", "nodeport", "web", "--tcp=80:80", "-n", namespace, check=True)
    try:
        deadline = time.monotonic() + 60
        sockets = listening_sockets(sim.process.pid)
        while len(sockets) < 2 and time.monotonic() < deadline:  # the NodePort opens a listener
            time.sleep(0.1)
            sockets = listening_sockets(sim.process.pid)
        assert len(sockets) >= 2, sockets
        assert all(host in ("127.0.0.1", "::1") for host, _ in sockets), sockets
    finally:
        sim.kubectl("delete", "namespace", namespace, "--wait=false")


# -- files -----------------------------------------------------------------------------------


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def test_state_files_are_private(sim_factory: Callable[..., Any], tmp_path: Path) -> None:
    """The kubeconfig the simulator writes, the progress file, kubelab's remembered cluster."""
    from kubelab.cluster.state import write_private
    from kubelab.progress import ProgressStore

    server = sim_factory("private")
    assert mode(server.kubeconfig) == "0o600"
    store = ProgressStore(tmp_path / "kubelab-state" / "progress.json")
    store.record_pass("lesson", "step")
    assert mode(store.path) == "0o600"
    remembered = tmp_path / "kubelab-state" / "cluster.json"
    write_private(remembered, "{}")
    assert mode(remembered) == "0o600"


def test_the_simulator_state_file_is_private(
    sim_factory: Callable[..., Any], tmp_path: Path
) -> None:
    """state.db and its -wal/-shm hold the cluster's Secrets."""
    server = sim_factory("private", state=tmp_path / "state.db")
    server.kubectl("create", "secret", "generic", "s", "--from-literal=a=b", check=True)
    files = [tmp_path / "state.db", *tmp_path.glob("state.db-*")]
    for path in files:
        assert mode(path) == "0o600", path
    assert len(files) >= 2, files  # the WAL is there too


# -- lessons ---------------------------------------------------------------------------------


def test_a_manifest_symlink_out_of_the_course_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stolen}\n")
    loaded = lesson_with(tmp_path, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", [])
    link = loaded.root / "manifests" / "link.yaml"
    link.symlink_to(secret)
    with pytest.raises(LessonLoadError, match="escapes the course root"):
        loaded.manifest_path("../manifests/link.yaml")


def test_lesson_commands_must_be_kubectl_argv(tmp_path: Path) -> None:
    for argv in (["sh", "-c", "touch /tmp/pwned"], ["/usr/bin/kubectl", "get", "pods"], []):
        with pytest.raises(LessonLoadError, match="starting with 'kubectl'"):
            lesson_with(tmp_path / secrets.token_hex(3), None, [argv])


def test_a_lesson_command_cannot_start_a_kubectl_plugin(
    tmp_path: Path, lab_client: KubeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kubectl runs `kubectl-NAME` from PATH for an unknown command NAME: a host program."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "plugin-ran"
    plugin = bin_dir / "kubectl-pwn"
    plugin.write_text(f"#!/bin/sh\ntouch {marker}\n")
    plugin.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(LessonLoadError, match="`kubectl pwn` is not a command a lesson may run"):
        lesson_with(tmp_path, None, [["kubectl", "pwn"]])
    with pytest.raises(ActionFailed):  # and refused again right before running
        run_command(lab_client, ["kubectl", "pwn"], lab_client.namespace)
    assert not marker.exists(), "a lesson command ran a program from the learner's PATH"


def test_kubectl_runs_without_a_shell(tmp_path: Path, lab_client: KubeClient) -> None:
    marker = tmp_path / "shell-ran"
    with pytest.raises((ActionFailed, LessonLoadError)):
        loaded = lesson_with(
            tmp_path,
            None,
            [["kubectl", "get", "configmaps", f"; touch {marker}", f"$(touch {marker})"]],
        )
        apply_actions(
            lab_client,
            loaded,
            loaded.lesson.steps[0].solution,
            {"namespace": lab_client.namespace},
        )
    names = ["kubectl", "get", "configmaps", "; touch marker", "$(touch marker)"]
    with pytest.raises(ActionFailed, match="failed"):  # allowed, and kubectl finds no such names
        run_command(lab_client, names, lab_client.namespace)
    assert not marker.exists()
    assert not Path("marker").exists()


def test_sys_executable_kubectl_is_the_one_run() -> None:
    from kubelab.cluster.kubectl import kubectl_path

    assert kubectl_path() == Path(sys.executable).parent / "kubectl"
    done = subprocess.run(
        [str(kubectl_path()), "version", "--client", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0 and "clientVersion" in done.stdout


HOST_PROCESS_MODULES = {"subprocess", "pty", "pexpect", "multiprocessing"}
HOST_PROCESS_CALLS = {
    "system",
    "popen",
    "spawnv",
    "spawnl",
    "execv",
    "execvp",
    "fork",
    "posix_spawn",
}


def test_checks_run_commands_only_inside_pods() -> None:
    """Check kinds (and the grading machinery under them) never start a host process: `exec`,
    `dns`, `http` and `env` checks go through the Kubernetes exec API into a pod."""
    import ast

    import kubelab.grading

    grading = Path(kubelab.grading.__file__).parent
    modules = [
        *sorted((grading / "checks").glob("*.py")),
        *(grading / name for name in ("engine.py", "pods.py", "probe.py", "context.py")),
    ]
    for module in modules:
        tree = ast.parse(module.read_text(), str(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
                if node.module == "os":
                    names |= {alias.name for alias in node.names} & HOST_PROCESS_CALLS
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                names = {node.attr} if node.value.id == "os" else set()
                names &= HOST_PROCESS_CALLS
            else:
                continue
            bad = names & (HOST_PROCESS_MODULES | HOST_PROCESS_CALLS)
            assert not bad, f"{module.name}:{node.lineno} starts host processes ({bad})"
    assert len(modules) >= 10
