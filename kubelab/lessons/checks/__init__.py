"""The check vocabulary of the lesson format: one spec module per kind, listed in `SPECS`.

Add a kind: a module here defining its `Spec` plus one line in `SPECS`, and its grading in
`kubelab.grading.checks` (a module registering a `CheckKind`); a test checks both tables name the
same kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Final, Union

from pydantic import Field

from kubelab.lessons.checks import absent, assert_, dns, endpoints, env, exec_, http
from kubelab.lessons.checks.base import CheckBase

# kind name (the Spec's `kind` literal) -> its spec model.
SPECS: Final[Mapping[str, type[CheckBase]]] = {
    "assert": assert_.Spec,
    "absent": absent.Spec,
    "endpoints": endpoints.Spec,
    "exec": exec_.Spec,
    "dns": dns.Spec,
    "http": http.Spec,
    "env": env.Spec,
}

# The tagged union the lesson model uses; built from SPECS so adding a kind needs no edit here.
_SPECS = tuple(SPECS.values())
CheckSpec = Annotated[Union[_SPECS], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
