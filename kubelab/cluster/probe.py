"""A light look at an API server from a kubeconfig, without the kubernetes client.

Importing the kubernetes client costs about a second of CPU. Deciding at start-up whether the
simulator kubelab owns still answers (and how many nodes it has) needs one or two GETs: done here
with the standard library, over the kubeconfig's server, CA and bearer token. Kubeconfigs this
cannot read (client certificates, exec plugins) get None: the caller falls back to the client.
"""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import urllib.parse
from pathlib import Path
from typing import Any

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster.base import ClusterError


class ProbeUnsupported(Exception):
    """The kubeconfig needs more than a CA and a bearer token (use the kubernetes client)."""


class Probe:
    """GETs against the API server of one kubeconfig context (token auth only)."""

    def __init__(self, kubeconfig: Path, context: str | None = None, timeout: float = 5.0) -> None:
        config = kc.load(kubeconfig)
        name = context or kc.current_context(config)
        ctx = _entry(config, "contexts", name, "context")
        cluster = _entry(config, "clusters", ctx.get("cluster"), "cluster")
        user = _entry(config, "users", ctx.get("user"), "user")
        if set(user) - {"token"} or not user.get("token"):
            raise ProbeUnsupported("only bearer tokens are read here")
        url = urllib.parse.urlsplit(str(cluster.get("server") or ""))
        if url.scheme != "https" or not url.hostname or url.path not in ("", "/"):
            raise ProbeUnsupported(f"server {cluster.get('server')!r}")
        ca = cluster.get("certificate-authority-data")
        if not ca or cluster.get("insecure-skip-tls-verify"):
            raise ProbeUnsupported("only a CA given inline is read here")
        self._context = ssl.create_default_context(cadata=base64.b64decode(ca).decode())
        self._host = url.hostname
        self._port = url.port or 443
        self._token = str(user["token"])
        self._timeout = timeout

    def get(self, path: str) -> Any:
        """The JSON body of GET `path`; ClusterError when it does not answer 200."""
        connection = http.client.HTTPSConnection(
            self._host, self._port, context=self._context, timeout=self._timeout
        )
        try:
            connection.request("GET", path, headers={"Authorization": f"Bearer {self._token}"})
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise ClusterError(f"the API server does not answer: {exc}") from exc
        finally:
            connection.close()
        if response.status != 200:
            raise ClusterError(f"GET {path}: {response.status} {response.reason}")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise ClusterError(f"GET {path}: not JSON ({exc})") from exc


def _entry(config: kc.Config, section: str, name: object, key: str) -> dict[str, Any]:
    for item in config.get(section) or []:
        if isinstance(item, dict) and item.get("name") == name:
            found = item.get(key)
            if isinstance(found, dict):
                return found
    raise ProbeUnsupported(f"no {section} entry {name!r}")
