"""What runs inside simulated pods, driven through the real kubectl against `kubelab sim serve`:
the seed tutorial's scenes (env var ordering, nslookup, curl, spread over pods, NodePort from
the host), exec exit codes and errors, and interactive `exec -it` / `run -i --tty` sessions."""

from __future__ import annotations

import re
import secrets
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pytest

KUBECTL = Path(sys.executable).parent / "kubectl"
WAIT = 30.0
NGINX = """apiVersion: apps/v1
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
SERVICE = """apiVersion: v1
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
HOSTNAMES = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: hostnames
spec:
  selector:
    matchLabels:
      app: hostnames
  replicas: 3
  template:
    metadata:
      labels:
        app: hostnames
    spec:
      containers:
      - name: hostnames
        image: registry.k8s.io/e2e-test-images/agnhost:2.39
        args: ["serve-hostname"]
---
apiVersion: v1
kind: Service
metadata:
  name: hostnames
spec:
  selector:
    app: hostnames
  ports:
  - port: 80
    targetPort: 9376
"""


@pytest.fixture(scope="module")
def ns(sim: Any) -> Iterator[str]:
    """A namespace of this module's own in the shared simulator."""
    name = f"dp-{secrets.token_hex(3)}"
    sim.kubectl("create", "namespace", name, check=True)
    yield name
    sim.kubectl("delete", "namespace", name, "--wait=false")


def run(sim: Any, ns: str, *args: str, input: str | None = None) -> Any:  # noqa: A002
    return sim.kubectl("-n", ns, *args, input=input, timeout=WAIT)


def wait_running(sim: Any, ns: str, selector: str, count: int) -> list[tuple[str, str]]:
    """(name, podIP) of `count` Running, Ready pods matching `selector` (polls, with a timeout)."""
    deadline = time.monotonic() + WAIT
    template = (
        "{range .items[*]}{.metadata.name} {.status.phase} {.status.podIP} "
        '{.metadata.deletionTimestamp}{"\\n"}{end}'
    )
    while True:
        out = run(sim, ns, "get", "pods", "-l", selector, "-o", f"jsonpath={template}").stdout
        rows = [line.split() for line in out.splitlines() if line.strip()]
        ready = [(r[0], r[2]) for r in rows if len(r) == 3 and r[1] == "Running"]
        if len(ready) == count and len(rows) == count:
            return sorted(ready)
        if time.monotonic() > deadline:
            raise AssertionError(f"pods {selector} not running in {WAIT}s:\n{out}")
        time.sleep(0.2)


def cluster_ip(sim: Any, ns: str, service: str) -> str:
    return str(run(sim, ns, "get", "svc", service, "-o", "jsonpath={.spec.clusterIP}").stdout)


@pytest.fixture(scope="module")
def nginx_before_service(sim: Any, ns: str) -> list[tuple[str, str]]:
    """The seed's order: the Deployment first, its Service afterwards."""
    run(sim, ns, "apply", "-f", "-", input=NGINX)
    pods = wait_running(sim, ns, "run=my-nginx", 2)
    run(sim, ns, "apply", "-f", "-", input=SERVICE)
    return pods


@pytest.fixture(scope="module")
def busybox(sim: Any, ns: str) -> str:
    for name, image in (("bb", "busybox:1.37"), ("bb-old", "busybox:1.28")):
        run(sim, ns, "run", name, f"--image={image}", "--restart=Never", "--", "sleep", "3600")
    for name in ("bb", "bb-old"):
        wait_running(sim, ns, f"run={name}", 1)
    return "bb"


def test_env_var_ordering_problem(sim: Any, ns: str, nginx_before_service: Any) -> None:
    first = nginx_before_service[0][0]
    before = run(sim, ns, "exec", first, "--", "printenv")
    assert before.returncode == 0, before.stderr
    assert "KUBERNETES_SERVICE_HOST=10.96.0.1" in before.stdout
    assert "MY_NGINX_SERVICE_HOST" not in before.stdout
    run(sim, ns, "scale", "deployment", "my-nginx", "--replicas=0")
    wait_running(sim, ns, "run=my-nginx", 0)
    run(sim, ns, "scale", "deployment", "my-nginx", "--replicas=2")
    pods = wait_running(sim, ns, "run=my-nginx", 2)
    after = run(sim, ns, "exec", pods[0][0], "--", "printenv")
    ip = cluster_ip(sim, ns, "my-nginx")
    assert f"MY_NGINX_SERVICE_HOST={ip}" in after.stdout.splitlines()
    assert "MY_NGINX_SERVICE_PORT=80" in after.stdout.splitlines()


def test_exec_exit_codes_and_errors(sim: Any, ns: str, nginx_before_service: Any) -> None:
    pod = wait_running(sim, ns, "run=my-nginx", 2)[0][0]
    three = run(sim, ns, "exec", pod, "--", "sh", "-c", "echo out; exit 3")
    assert (three.returncode, three.stdout) == (3, "out\n")
    assert "command terminated with exit code 3" in three.stderr
    missing = run(sim, ns, "exec", pod, "--", "foo")
    assert missing.returncode == 1
    assert re.search(r'exec: "foo": executable file not found in \$PATH', missing.stderr)
    in_shell = run(sim, ns, "exec", pod, "--", "sh", "-c", "foo")
    assert (in_shell.returncode, in_shell.stderr.splitlines()[0]) == (127, "sh: 1: foo: not found")


def test_nslookup_and_wget_from_busybox(
    sim: Any, ns: str, nginx_before_service: Any, busybox: str
) -> None:
    ip = cluster_ip(sim, ns, "my-nginx")
    new = run(sim, ns, "exec", "bb", "--", "nslookup", "my-nginx")
    assert f"Name:\tmy-nginx.{ns}.svc.cluster.local\nAddress: {ip}\n" in new.stdout
    old = run(sim, ns, "exec", "bb-old", "--", "nslookup", "my-nginx")
    assert old.returncode == 0
    assert old.stdout == (
        "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
        f"Name:      my-nginx\nAddress 1: {ip} my-nginx.{ns}.svc.cluster.local\n"
    )
    page = run(sim, ns, "exec", "bb", "--", "wget", "-qO-", "my-nginx")
    assert "<title>Welcome to nginx!</title>" in page.stdout and len(page.stdout.encode()) == 615
    bad = run(sim, ns, "exec", "bb", "--", "wget", "-qO-", "hostnames-nope")
    assert bad.returncode == 1 and "wget: bad address 'hostnames-nope'" in bad.stderr


def test_requests_spread_over_pods(sim: Any, ns: str, busybox: str) -> None:
    run(sim, ns, "apply", "-f", "-", input=HOSTNAMES)
    pods = wait_running(sim, ns, "app=hostnames", 3)
    deadline = time.monotonic() + WAIT
    while True:
        out = run(
            sim,
            ns,
            "exec",
            "bb",
            "--",
            "sh",
            "-c",
            "for i in $(seq 1 6); do wget -qO- hostnames; echo; done",
        ).stdout
        if len(set(out.split())) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.3)  # endpoints may still be catching up with the pods
    assert set(out.split()) == {name for name, _ in pods}


def test_logs_show_nginx_access_lines(
    sim: Any, ns: str, nginx_before_service: Any, busybox: str
) -> None:
    pods = wait_running(sim, ns, "run=my-nginx", 2)
    for _, pod_ip in pods:
        run(sim, ns, "exec", "bb", "--", "wget", "-qO-", pod_ip)
    log = run(sim, ns, "logs", pods[0][0])
    assert "Configuration complete; ready for start up" in log.stdout
    assert '"GET / HTTP/1.1" 200 615 "-" "Wget" "-"' in log.stdout


def test_nodeport_is_served_on_the_host(sim: Any, ns: str, nginx_before_service: Any) -> None:
    run(
        sim,
        ns,
        "expose",
        "deployment",
        "my-nginx",
        "--name=my-nginx-np",
        "--type=NodePort",
        "--port=80",
    )
    node_port = run(
        sim, ns, "get", "svc", "my-nginx-np", "-o", "jsonpath={.spec.ports[0].nodePort}"
    ).stdout
    assert node_port.isdigit()
    deadline = time.monotonic() + WAIT
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{node_port}/", timeout=5) as resp:
                body = resp.read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
    assert "<h1>Welcome to nginx!</h1>" in body


def test_exec_it_shell(sim: Any, ns: str, busybox: str) -> None:
    child = pexpect.spawn(
        str(KUBECTL),
        [
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            ns,
            "exec",
            "-it",
            "bb",
            "--",
            "sh",
        ],
        encoding="utf-8",
        timeout=WAIT,
        env=sim.env,
    )
    try:
        child.expect_exact("/ # ")
        child.sendline("hostname; echo $((6 * 7))")
        child.expect_exact("bb\r\n42\r\n/ # ")
        child.sendline("exit 5")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 5


def test_run_interactive_curl(sim: Any, ns: str, nginx_before_service: Any) -> None:
    child = pexpect.spawn(
        str(KUBECTL),
        [
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            ns,
            "run",
            "curl",
            "--image=curlimages/curl",
            "-i",
            "--tty",
            "--",
            "sh",
        ],
        encoding="utf-8",
        timeout=WAIT,
        env=sim.env,
    )
    try:
        child.expect_exact("If you don't see a command prompt, try pressing enter.")
        child.sendline("")
        child.expect_exact("~ $ ")
        child.sendline("curl -s my-nginx | grep '<h1>'")
        child.expect_exact("<h1>Welcome to nginx!</h1>\r\n~ $ ")
        child.sendline("exit")
        child.expect_exact("Session ended, resume using 'kubectl attach curl -c curl -n")
        child.expect(pexpect.EOF)
    finally:
        child.close()


def test_run_rm_one_shot_command(sim: Any, ns: str) -> None:
    child = pexpect.spawn(
        str(KUBECTL),
        [
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "-n",
            ns,
            "run",
            "dns-test",
            "--image=busybox:1.28",
            "--rm",
            "-it",
            "--restart=Never",
            "--",
            "nslookup",
            "kubernetes.default",
        ],
        encoding="utf-8",
        timeout=WAIT,
        env=sim.env,
    )
    try:
        child.expect_exact("Name:      kubernetes.default\r\n")
        child.expect_exact("Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local\r\n")
        child.expect_exact('pod "dns-test" deleted')
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0


HEADLESS = """apiVersion: v1
kind: Service
metadata:
  name: nginx-headless
spec:
  clusterIP: None
  selector:
    run: my-nginx
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: database
spec:
  type: ExternalName
  externalName: my.database.example.com
---
apiVersion: v1
kind: Service
metadata:
  name: no-backends
spec:
  selector:
    app: nothing-has-this
  ports:
  - port: 80
"""


def test_headless_external_name_and_no_endpoints(
    sim: Any, ns: str, nginx_before_service: Any, busybox: str
) -> None:
    run(sim, ns, "apply", "-f", "-", input=HEADLESS)
    ips = {ip for _, ip in wait_running(sim, ns, "run=my-nginx", 2)}
    fqdn = f"nginx-headless.{ns}.svc.cluster.local"
    deadline = time.monotonic() + WAIT
    while True:
        out = run(sim, ns, "exec", "bb", "--", "nslookup", fqdn).stdout
        if set(re.findall(r"Address: (\S+)", out)) == ips or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert set(re.findall(r"Address: (\S+)", out)) == ips
    cname = run(sim, ns, "exec", "bb", "--", "nslookup", f"database.{ns}.svc.cluster.local")
    assert (
        f"database.{ns}.svc.cluster.local\tcanonical name = my.database.example.com" in cname.stdout
    )
    refused = run(sim, ns, "exec", "bb", "--", "wget", "-qO-", "no-backends")
    ip = cluster_ip(sim, ns, "no-backends")
    assert refused.returncode == 1
    assert f"wget: can't connect to remote host ({ip}): Connection refused" in refused.stderr


def test_python_client_exec(sim: Any, ns: str, busybox: str) -> None:
    from kubernetes import client, config
    from kubernetes.stream import stream

    api = client.CoreV1Api(config.new_client_from_config(str(sim.kubeconfig)))
    ws = stream(
        api.connect_get_namespaced_pod_exec,
        "bb",
        ns,
        command=["sh", "-c", "echo out; echo err >&2; exit 4"],
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    ws.run_forever(timeout=WAIT)
    assert (ws.read_stdout(), ws.read_stderr(), ws.returncode) == ("out\n", "err\n", 4)
    ws.close()


def pod_field(sim: Any, ns: str, pod: str, path: str) -> str:
    return str(run(sim, ns, "get", "pod", pod, "-o", f"jsonpath={path}").stdout)


def wait_for(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT}s: {what}")
        time.sleep(0.2)


def test_main_process_output_is_logged_and_ends_the_container(
    sim: Any, ns: str, busybox: str
) -> None:
    run(sim, ns, "exec", "bb", "--", "true")  # the data plane is in use (its runner started)
    run(
        sim,
        ns,
        "run",
        "hello",
        "--image=busybox",
        "--restart=Never",
        "--",
        "sh",
        "-c",
        "echo hello; echo world",
    )
    wait_for(lambda: pod_field(sim, ns, "hello", "{.status.phase}") == "Succeeded", "hello done")
    assert run(sim, ns, "logs", "hello").stdout == "hello\nworld\n"
    run(sim, ns, "run", "crasher", "--image=busybox", "--", "sh", "-c", "echo tick; exit 2")
    wait_for(
        lambda: (
            pod_field(sim, ns, "crasher", "{.status.containerStatuses[0].restartCount}")
            not in ("", "0")
        ),
        "a restart",
    )
    last = pod_field(
        sim, ns, "crasher", "{.status.containerStatuses[0].lastState.terminated.exitCode}"
    )
    assert last == "2"
    assert "tick" in run(sim, ns, "logs", "crasher").stdout
