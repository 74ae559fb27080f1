"""The check vocabulary: one module per kind, registered here (one line each)."""

from __future__ import annotations

from typing import Annotated, Union

from pydantic import Field

from kubelab.grading.checks import absent, assert_, dns, endpoints, env, exec_, http

# kind name -> module defining `Spec` (and its evaluator). Add a kind: one module, one line here.
REGISTRY = {
    "assert": assert_,
    "absent": absent,
    "endpoints": endpoints,
    "exec": exec_,
    "dns": dns,
    "http": http,
    "env": env,
}

# The tagged union the lesson model uses; built from REGISTRY so adding a kind needs no edit here.
_SPECS = tuple(module.Spec for module in REGISTRY.values())
CheckSpec = Annotated[Union[_SPECS], Field(discriminator="kind")]  # type: ignore[valid-type]  # noqa: UP007
