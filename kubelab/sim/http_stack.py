"""Importing the HTTP stack in the simulator's own process, without reading the CA bundle.

`aiohttp/__init__` imports its client, whose `connector` module builds two verifying client
TLS contexts at import time; each reads the system's CA bundle (about 140 certificates, 0.1 s
apiece). The simulator opens no outbound TLS connection (its only TLS is the server side, with
its own certificate), so in `kubelab sim serve` the bundle is pointed at nothing while aiohttp is
first imported. A client context made then trusts no CA: it fails closed, never open.
"""

from __future__ import annotations

import os
import sys

# the variables OpenSSL reads for its default verify paths (ssl.get_default_verify_paths())
_CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def import_without_ca_bundle() -> None:
    """Import aiohttp with OpenSSL's default CA paths empty; the environment is restored."""
    if "aiohttp" in sys.modules:
        return
    saved = {name: os.environ.get(name) for name in _CA_VARIABLES}
    os.environ.update(dict.fromkeys(_CA_VARIABLES, os.devnull))
    try:
        import aiohttp.web  # noqa: F401
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
