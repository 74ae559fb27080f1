"""The `continue` token of a paged list: where the page ended and the list's resourceVersion,
encoded as kube-apiserver encodes it (`meta.k8s.io/v1` continue keys)."""

from __future__ import annotations

import base64
import json

from kubelab.sim import errors

Key = tuple[str, str]  # (namespace, name)


def encode_continue(last: Key, rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": f"{last[0]}/{last[1]}\x00"})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[Key, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        ns, _, name = str(data["start"]).rstrip("\x00").partition("/")
        return (ns, name), int(data["rv"])
    except (ValueError, KeyError, TypeError):
        raise errors.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version "
            "meta.k8s.io/v1)"
        ) from None
