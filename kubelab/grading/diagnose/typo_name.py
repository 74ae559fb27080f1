"""The Service is missing, but one with a very similar name exists: a likely typo."""

from __future__ import annotations

import difflib

from kubelab.grading.diagnose.facts import ServiceFacts


def rule(facts: ServiceFacts) -> str | None:
    if facts.service is None:
        names = [str((s.get("metadata") or {}).get("name")) for s in facts.services]
        close = difflib.get_close_matches(facts.name, names, n=1, cutoff=0.75)
        if close and close[0] != facts.name:
            return (
                f"there is no Service {facts.name!r} in namespace {facts.namespace}, but there "
                f"is {close[0]!r}: a typo in the name?"
            )
    return None
