"""How each check kind is graded: one module per kind registering a `CheckKind`, listed here.

The spec each kind reads lives in `kubelab.lessons.checks` (`SPECS`); a test checks that both
tables name the same kinds. Add a kind: its spec module there, one module here defining
`evaluate` and `KIND = CheckKind(Spec, evaluate, ...)`, and one line in each table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kubelab.grading.checks import absent, assert_, dns, endpoints, env, exec_, http
from kubelab.grading.checks.kind import CheckKind

_KINDS: tuple[CheckKind[Any], ...] = (
    assert_.KIND,
    absent.KIND,
    endpoints.KIND,
    exec_.KIND,
    dns.KIND,
    http.KIND,
    env.KIND,
)

# kind name -> how it is graded
REGISTRY: Final[Mapping[str, CheckKind[Any]]] = {kind.name: kind for kind in _KINDS}
