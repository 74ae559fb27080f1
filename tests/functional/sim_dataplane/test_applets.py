"""busybox applets in simulated pods, through the real kubectl: gzip/gunzip, tar for
`kubectl cp` both ways, base64, the digests, od, xargs, awk, timeout, and the shell's own
message for a program the image lacks (expected outputs: busybox's archival/, coreutils/ and
shell/ash.c; kubectl's staging/src/k8s.io/kubectl/pkg/cmd/cp/cp.go for what cp runs)."""

from __future__ import annotations

import gzip
import hashlib
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

WAIT = 30.0


@pytest.fixture(scope="module")
def ns(sim: Any) -> Iterator[str]:
    name = f"app-{secrets.token_hex(3)}"
    sim.kubectl("create", "namespace", name, check=True)
    yield name
    sim.kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture(scope="module")
def bb(sim: Any, ns: str) -> str:
    sim.kubectl(
        "-n", ns, "run", "bb", "--image=busybox:1.37", "--restart=Never", "--",
        "sleep", "3600", check=True,
    )  # fmt: skip
    deadline = time.monotonic() + WAIT
    while sim.kubectl("-n", ns, "get", "pod", "bb", "-o", "jsonpath={.status.phase}").stdout != (
        "Running"
    ):
        assert time.monotonic() < deadline, "bb not running"
        time.sleep(0.2)
    return "bb"


def sh(sim: Any, ns: str, script: str) -> subprocess.CompletedProcess[str]:
    return sim.kubectl("-n", ns, "exec", "bb", "--", "sh", "-c", script)


def test_gzip_round_trip_and_binary_output(sim: Any, ns: str, bb: str) -> None:
    assert sh(sim, ns, "echo hello | gzip | gunzip").stdout == "hello\n"
    made = sh(sim, ns, "echo data > /tmp/f && gzip /tmp/f && ls /tmp && zcat /tmp/f.gz")
    assert made.stdout == "f.gz\ndata\n"
    kept = sh(sim, ns, "gunzip /tmp/f.gz && cat /tmp/f && gunzip /tmp/f")
    assert kept.stdout == "data\n"
    assert kept.stderr.startswith("gunzip: /tmp/f: unknown suffix - ignored\n")
    # the compressed bytes reach the client unchanged (not UTF-8: surrogate-escaped inside)
    raw = subprocess.run(
        [*kubectl_argv(sim), "-n", ns, "exec", "bb", "--", "gzip", "-c", "/tmp/f"],
        capture_output=True,
        timeout=WAIT,
        env=sim.env,
    )
    assert raw.returncode == 0, raw.stderr
    assert gzip.decompress(raw.stdout) == b"data\n"
    bad = sh(sim, ns, "echo plain | gunzip")
    assert (bad.returncode, first_line(bad.stderr)) == (1, "gunzip: invalid magic")


def first_line(stderr: str) -> str:
    """What the program printed (kubectl adds `command terminated with exit code N`)."""
    return stderr.splitlines()[0] if stderr else ""


def kubectl_argv(sim: Any) -> list[str]:
    kubectl = Path(__import__("sys").executable).parent / "kubectl"
    return [str(kubectl), "--kubeconfig", str(sim.kubeconfig), "--cache-dir", str(sim.cache_dir)]


def test_kubectl_cp_into_and_out_of_a_pod(sim: Any, ns: str, bb: str, tmp_path: Path) -> None:
    source = tmp_path / "site"
    (source / "sub").mkdir(parents=True)
    (source / "index.html").write_text("<h1>héllo</h1>\n")
    (source / "sub" / "data.bin").write_bytes(bytes(range(256)))
    into = sim.kubectl("-n", ns, "cp", str(source), f"{bb}:/tmp/site")
    assert into.returncode == 0, into.stderr
    listing = sh(sim, ns, "cd /tmp/site && ls && ls sub && cat index.html")
    assert listing.stdout == "index.html\nsub\ndata.bin\n<h1>héllo</h1>\n"
    digest = sh(sim, ns, "sha256sum /tmp/site/sub/data.bin").stdout
    assert digest == f"{hashlib.sha256(bytes(range(256))).hexdigest()}  /tmp/site/sub/data.bin\n"
    back = tmp_path / "back"
    out = sim.kubectl("-n", ns, "cp", f"{bb}:/tmp/site", str(back))
    assert out.returncode == 0, out.stderr
    assert (back / "index.html").read_text() == "<h1>héllo</h1>\n"
    assert (back / "sub" / "data.bin").read_bytes() == bytes(range(256))
    one = sim.kubectl("-n", ns, "cp", f"{bb}:/tmp/site/index.html", str(tmp_path / "one.html"))
    assert one.returncode == 0, one.stderr
    assert (tmp_path / "one.html").read_text() == "<h1>héllo</h1>\n"


def test_tar_listing_and_messages(sim: Any, ns: str, bb: str) -> None:
    made = sh(sim, ns, "mkdir -p /w/d && echo x > /w/d/x && tar cf /w.tar /w && tar tf /w.tar")
    assert made.stdout == "w/\nw/d/\nw/d/x\n"
    assert made.stderr == "tar: removing leading '/' from member names\n"
    piped = sh(sim, ns, "tar czf - -C /w d | tar xzf - -C /tmp && cat /tmp/d/x")
    assert piped.stdout == "x\n"
    bad = sh(sim, ns, "echo nonsense | tar xf -")
    assert (bad.returncode, first_line(bad.stderr)) == (1, "tar: invalid tar magic")


def test_base64_digests_and_od(sim: Any, ns: str, bb: str) -> None:
    assert sh(sim, ns, "echo hello | base64").stdout == "aGVsbG8K\n"
    assert sh(sim, ns, "echo aGVsbG8K | base64 -d").stdout == "hello\n"
    assert sh(sim, ns, "echo hello | md5sum").stdout == "b1946ac92492d2347c6235b4d2611184  -\n"
    sha = hashlib.sha256(b"hello\n").hexdigest()
    assert sh(sim, ns, "echo hello | sha256sum").stdout == f"{sha}  -\n"
    checked = sh(sim, ns, "echo hello > /h && sha256sum /h > /h.sum && sha256sum -c /h.sum")
    assert checked.stdout == "/h: OK\n"
    # GNU od's layout (busybox's od_bloaty.c)
    assert sh(sim, ns, "echo hello | od").stdout == "0000000 062550 066154 005157\n0000006\n"
    assert sh(sim, ns, "echo hello | od -c").stdout == (
        "0000000   h   e   l   l   o  \\n\n0000006\n"
    )
    assert sh(sim, ns, "echo hello | od -An -t x1").stdout == " 68 65 6c 6c 6f 0a\n"


def test_xargs_awk_timeout_and_missing_applets(sim: Any, ns: str, bb: str) -> None:
    assert sh(sim, ns, "echo a b c | xargs -n 2 echo").stdout == "a b\nc\n"
    assert sh(sim, ns, "printf 'x 1\\ny 2\\n' | awk '{ s += $2 } END { print s }'").stdout == (
        "3\n"
    )
    slow = sh(sim, ns, "timeout -s KILL 1 sleep 5; echo $?")
    assert slow.stdout == "137\n"
    assert sh(sim, ns, "timeout 2 echo fast").stdout == "fast\n"
    missing = sh(sim, ns, "vi /etc/hosts")
    assert (missing.returncode, first_line(missing.stderr)) == (127, "sh: vi: not found")
