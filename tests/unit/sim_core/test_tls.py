"""The serving certificate: valid for loopback, cached beside the state file, regenerated when
the cache is unusable."""

from __future__ import annotations

import ssl
from pathlib import Path

from kubelab.sim.server import tls


def test_generated_certificate_loads_and_is_cached(tmp_path: Path) -> None:
    cache = tmp_path / "state.db.tls"
    first = tls.load_or_generate(cache, "127.0.0.1")
    assert isinstance(first.ssl_context(), ssl.SSLContext)
    assert cache.stat().st_mode & 0o777 == 0o600
    again = tls.load_or_generate(cache, "127.0.0.1")
    assert again.cert_pem == first.cert_pem


def test_unusable_cache_is_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "state.db.tls"
    cache.write_bytes(b"not a certificate")
    cert = tls.load_or_generate(cache, "127.0.0.1")
    assert b"BEGIN CERTIFICATE" in cert.cert_pem
    assert cache.read_bytes().startswith(cert.cert_pem)


def test_other_loopback_host_is_not_cached(tmp_path: Path) -> None:
    cache = tmp_path / "state.db.tls"
    tls.load_or_generate(cache, "127.0.0.2")
    assert not cache.exists()
