"""`kubelab sim serve` imports aiohttp without reading the system's CA bundle, and leaves the
environment as it found it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, os, sys
from kubelab.sim.http_stack import import_without_ca_bundle
import_without_ca_bundle()
import aiohttp.connector as connector
print(json.dumps({
    "imported": "aiohttp.web" in sys.modules,
    "cas": connector._SSL_CONTEXT_VERIFIED.cert_store_stats()["x509_ca"],
    "file": os.environ.get("SSL_CERT_FILE"),
    "dir": os.environ.get("SSL_CERT_DIR", "<unset>"),
}))
"""


def run_probe(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_aiohttp_is_imported_with_no_ca_loaded_and_the_environment_restored() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSL_CERT_")}
    env["SSL_CERT_FILE"] = "/etc/ssl/certs/ca-certificates.crt"
    result = run_probe(env)
    assert result == {
        "imported": True,
        "cas": 0,  # aiohttp's verifying client context trusts nothing: it fails closed
        "file": "/etc/ssl/certs/ca-certificates.crt",
        "dir": "<unset>",
    }
