"""The real kubectl against the real `kubelab sim serve`: auth, errors, watches, persistence."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import SimServer

KUBECTL = Path(sys.executable).parent / "kubectl"

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def test_version_reports_server_1_37(kubectl: Kubectl) -> None:
    out = json.loads(kubectl("version", "-o", "json", check=True).stdout)
    assert out["serverVersion"]["major"] == "1" and out["serverVersion"]["minor"] == "37"


def test_wrong_token_is_unauthorized(sim: SimServer, tmp_path: Path) -> None:
    text = sim.kubeconfig.read_text()
    token = next(line.split(":", 1)[1].strip() for line in text.splitlines() if "token:" in line)
    bad = tmp_path / "bad-kubeconfig"
    bad.write_text(text.replace(token, "not-the-token"))
    result = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(bad), "--cache-dir", str(tmp_path / "c"), "get", "ns"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "error: You must be logged in to the server" in result.stderr


def test_kubeconfig_is_private(sim: SimServer) -> None:
    assert sim.kubeconfig.stat().st_mode & 0o777 == 0o600


def test_apply_twice_then_configured(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: '1'\n"
    )
    assert kubectl("apply", "-f", str(manifest), check=True).stdout.strip() == (
        "configmap/applied created"
    )
    assert kubectl("apply", "-f", str(manifest), check=True).stdout.strip() == (
        "configmap/applied unchanged"
    )
    manifest.write_text(manifest.read_text().replace("'1'", "'2'"))
    assert kubectl("apply", "-f", str(manifest), check=True).stdout.strip() == (
        "configmap/applied configured"
    )
    data = json.loads(kubectl("get", "cm", "applied", "-o", "json", check=True).stdout)
    assert data["data"] == {"a": "2"}
    kubectl("delete", "cm", "applied", check=True)


def test_strict_and_warn_field_validation(kubectl: Kubectl) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: '1'\n"
    strict = kubectl("apply", "-f", "-", input=body)
    assert strict.returncode == 1
    assert 'strict decoding error: unknown field "datta"' in strict.stderr
    warn = kubectl("create", "--validate=warn", "-f", "-", input=body)
    assert warn.returncode == 0, warn.stderr
    assert 'Warning: unknown field "datta"' in warn.stderr
    kubectl("delete", "cm", "typo", check=True)


def test_replace_with_stale_version_conflicts(kubectl: Kubectl) -> None:
    kubectl("create", "configmap", "race", "--from-literal=a=1", check=True)
    old = kubectl("get", "cm", "race", "-o", "json", check=True).stdout
    kubectl("label", "cm", "race", "touched=yes", check=True)
    result = kubectl("replace", "-f", "-", input=old)
    assert result.returncode == 1
    assert (
        'Operation cannot be fulfilled on configmaps "race": the object has been modified; '
        "please apply your changes to the latest version and try again"
    ) in result.stderr
    kubectl("delete", "cm", "race", check=True)


def test_get_watch_streams_changes(sim: SimServer, kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "watched", check=True)
    watch = subprocess.Popen(
        [
            str(KUBECTL),
            "--kubeconfig",
            str(sim.kubeconfig),
            "--cache-dir",
            str(sim.cache_dir),
            "get",
            "cm",
            "-n",
            "watched",
            "-w",
            "--request-timeout=20s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        kubectl("create", "configmap", "seen", "-n", "watched", "--from-literal=a=1", check=True)
        kubectl("label", "cm", "seen", "-n", "watched", "x=y", check=True)
        time.sleep(1.0)
    finally:
        watch.send_signal(signal.SIGINT)
        out, _ = watch.communicate(timeout=10)
    lines = [line.split() for line in out.splitlines() if line.strip()]
    seen = [line for line in lines if line and line[0] == "seen"]
    assert len(seen) >= 2, out
    kubectl("delete", "namespace", "watched", check=True)


def test_wait_for_delete_returns_promptly(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "waiting", check=True)
    met = kubectl(
        "wait", "--for=jsonpath={.status.phase}=Active", "namespace/waiting", "--timeout=10s"
    )
    assert met.returncode == 0 and "condition met" in met.stdout
    kubectl("delete", "namespace", "waiting", "--wait=false", check=True)
    start = time.monotonic()
    gone = kubectl("wait", "--for=delete", "namespace/waiting", "--timeout=10s")
    assert gone.returncode == 0, gone.stderr
    assert time.monotonic() - start < 5


def test_chunked_list_and_selectors(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "paged", check=True)
    for i in range(5):
        kubectl("create", "configmap", f"c{i}", "-n", "paged", check=True)
    names = kubectl("get", "cm", "-n", "paged", "--chunk-size=2", "-o", "name", check=True)
    expected = [f"configmap/c{i}" for i in range(5)] + ["configmap/kube-root-ca.crt"]
    assert names.stdout.split() == expected
    one = kubectl(
        "get",
        "cm",
        "-n",
        "paged",
        "--field-selector",
        "metadata.name=c3",
        "-o",
        "name",
        check=True,
    )
    assert one.stdout.split() == ["configmap/c3"]
    kubectl("delete", "namespace", "paged", check=True)


def test_all_namespaces_column(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "wide-a", check=True)
    kubectl("create", "configmap", "here", "-n", "wide-a", check=True)
    out = kubectl("get", "cm", "-A", check=True).stdout.splitlines()
    assert out[0].split()[:3] == ["NAMESPACE", "NAME", "DATA"]
    assert any(line.split()[:2] == ["wide-a", "here"] for line in out[1:])
    kubectl("delete", "namespace", "wide-a", check=True)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_state_survives_restart(
    sim_factory: Callable[..., SimServer], tmp_path: Path, sig: int
) -> None:
    state = tmp_path / "persist.db"
    first = sim_factory("first", state=state)
    first.kubectl("create", "configmap", "kept", "--from-literal=k=v", check=True)
    first.kubectl("label", "configmap", "kept", "acked=yes", check=True)
    first.stop(sig)
    second = sim_factory("second", state=state)
    got = json.loads(second.kubectl("get", "cm", "kept", "-o", "json", check=True).stdout)
    assert got["data"] == {"k": "v"} and got["metadata"]["labels"] == {"acked": "yes"}


def test_sigterm_stops_cleanly(sim_factory: Callable[..., SimServer]) -> None:
    server = sim_factory("stop")
    assert server.stop(signal.SIGTERM) == 0
    assert not server.kubeconfig.exists()


def test_non_loopback_host_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "loopback" in result.stderr
    assert "Traceback" not in result.stderr


def test_new_namespace_gets_default_service_account_and_root_ca(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "filled", check=True)
    deadline = time.monotonic() + 5
    names: list[str] = []
    while time.monotonic() < deadline:
        names = kubectl("get", "sa,cm", "-n", "filled", "-o", "name", check=True).stdout.split()
        if len(names) == 2:
            break
        time.sleep(0.1)
    assert names == ["serviceaccount/default", "configmap/kube-root-ca.crt"]
    ca = kubectl(
        "get",
        "cm",
        "kube-root-ca.crt",
        "-n",
        "filled",
        "-o",
        "jsonpath={.data.ca\\.crt}",
        check=True,
    ).stdout
    assert ca.startswith("-----BEGIN CERTIFICATE-----")
    kubectl("delete", "namespace", "filled", check=True)


def test_server_dry_run_and_diff(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl("create", "configmap", "dry", "--from-literal=a=1", check=True)
    deleted = kubectl("delete", "cm", "dry", "--dry-run=server", check=True)
    assert "(server dry run)" in deleted.stdout
    changed = tmp_path / "dry.yaml"
    changed.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: '2'\n")
    applied = kubectl("apply", "--dry-run=server", "-f", str(changed), check=True)
    assert "(server dry run)" in applied.stdout
    live = json.loads(kubectl("get", "cm", "dry", "-o", "json", check=True).stdout)
    assert live["data"] == {"a": "1"}
    diff = kubectl("diff", "-f", str(changed))
    assert diff.returncode == 1, diff.stderr
    assert '-  a: "1"' in diff.stdout and '+  a: "2"' in diff.stdout
    kubectl("delete", "cm", "dry", check=True)


def test_auth_can_i_and_whoami(kubectl: Kubectl) -> None:
    assert kubectl("auth", "can-i", "create", "services", check=True).stdout.strip() == "yes"
    whoami = kubectl("auth", "whoami", check=True).stdout
    assert "kubernetes-admin" in whoami
    names = kubectl("get", "selfsubjectaccessreviews")
    assert names.returncode == 1  # create-only, as on a real cluster


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kubeconfig", "/proc/no-such-dir/kubeconfig"], "cannot write the kubeconfig"),
        (["--state", "/proc/no-such-dir/state.db"], "cannot open the state file"),
    ],
)
def test_serve_errors_are_clear(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_port_in_use_is_clear(sim: SimServer) -> None:
    port = sim.server.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "kubelab", "sim", "serve", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_files_are_validated_client_side_from_openapi_v2(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    """kubectl validates a `kind: List` from /openapi/v2 (protobuf); without it `apply -f` of
    what `kubectl get ... -o yaml` wrote fails."""
    kubectl("create", "namespace", "lists", check=True)
    for name in ("one", "two"):
        kubectl("-n", "lists", "create", "configmap", name, "--from-literal=a=b", check=True)
    listed = kubectl("-n", "lists", "get", "configmap", "one", "two", "-o", "yaml", check=True)
    assert listed.stdout.startswith("apiVersion: v1\nitems:")
    edited = listed.stdout.replace("a: b", "a: c")
    applied = kubectl("-n", "lists", "apply", "-f", "-", input=edited)
    assert applied.returncode == 0, applied.stderr
    assert "configmap/one configured" in applied.stdout
    got = kubectl("-n", "lists", "get", "configmap", "two", "-o", "jsonpath={.data.a}")
    assert got.stdout == "c"
    typo = listed.stdout.replace("  data:", "  datx:")
    rejected = kubectl("-n", "lists", "create", "-f", "-", input=typo)
    assert rejected.returncode == 1
    assert (
        'error validating data: ValidationError(ConfigMap): unknown field "datx" in '
        "io.k8s.api.core.v1.ConfigMap" in rejected.stderr
    )


def test_service_warnings_are_printed(kubectl: Kubectl) -> None:
    """`GetWarningsForService` on create and update, as kubectl prints them."""
    kubectl("create", "namespace", "warned", check=True)
    manifest = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\n"
        "spec: {externalName: example.com, ports: [{port: 80}]}\n"
    )
    warning = 'Warning: spec.externalName is ignored when spec.type is not "ExternalName"'
    created = kubectl("-n", "warned", "apply", "-f", "-", input=manifest, check=True)
    assert warning in created.stderr.splitlines()
    labelled = kubectl("-n", "warned", "label", "svc", "ext", "a=b", check=True)
    assert warning in labelled.stderr.splitlines()
    plain = kubectl("-n", "warned", "create", "service", "clusterip", "p", "--tcp=80:80")
    assert plain.returncode == 0 and "Warning" not in plain.stderr


def test_service_cidrs_show_the_service_range(kubectl: Kubectl) -> None:
    """`kubectl get servicecidrs` (networking.k8s.io/v1, as on kind 1.33+)."""
    table = kubectl("get", "servicecidrs", check=True).stdout.splitlines()
    assert table[0].split() == ["NAME", "CIDRS", "AGE"]
    assert table[1].split()[:2] == ["kubernetes", "10.96.0.0/16"]
    ready = kubectl(
        "get", "servicecidr", "kubernetes", "-o",
        'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        check=True,
    )  # fmt: skip
    assert ready.stdout == "True"
    bad = (
        "apiVersion: networking.k8s.io/v1\nkind: ServiceCIDR\nmetadata: {name: extra}\n"
        "spec: {cidrs: [10.97.0.1/16]}\n"
    )
    refused = kubectl("create", "-f", "-", input=bad)
    assert refused.returncode == 1
    assert (
        'The ServiceCIDR "extra" is invalid: spec.cidrs[0]: Invalid value: "10.97.0.1/16": '
        "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)" in refused.stderr
    )
    explained = kubectl("explain", "servicecidr.spec", check=True).stdout
    assert "cidrs\t<[]string>" in explained
