"""YAML alias bombs ("billion laughs": a few hundred bytes whose aliases expand to millions of
nodes) are refused, as Kubernetes' YAML decoder refuses "excessive aliasing", instead of blocking
the simulator's event loop (every learner's requests wait) or the grader of a submission.

The bombs here expand to 10^7 nodes (seconds of work when not refused), small enough to stay
harmless when the protection is missing."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from kubelab.cluster.client import KubeClient
from kubelab.grading.submission import apply_submission

LEVELS = 7  # 10^7 leaves


def bomb(levels: int = LEVELS, kind: str = "ConfigMap", name: str = "bomb") -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    body = "\n".join("  " + line for line in lines)
    return f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: {name}}}\ndata:\n{body}\n"


def post(server: str, token: str, path: str, body: bytes, content_type: str) -> tuple[int, str]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(
        server + path,
        data=body,
        method="POST" if body else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_a_submission_alias_bomb_is_that_files_failure(sim: Any, tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text(bomb())
    (tmp_path / "ok.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n"
    )
    namespace = f"bomb-{int(time.time() * 1000) % 100000}"
    with KubeClient(sim.kubeconfig, None, namespace) as client:
        client.ensure_namespace(namespace)
        try:
            step = apply_submission(client, tmp_path, namespace, {"namespace": namespace})
        finally:
            client.delete_namespace(namespace)
    results = {c.name: c for c in step.checks}
    assert results["apply ok.yaml"].status == "passed"
    refused = results["apply bomb.yaml"]
    assert refused.status == "failed" and "alias" in refused.message, refused.message
