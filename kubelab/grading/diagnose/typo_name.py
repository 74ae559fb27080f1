"""A Service whose name is one edit away from the expected one: a likely typo.

One edit is what Damerau-Levenshtein distance 1 counts: a character inserted, deleted, replaced,
or two neighbours swapped (`my-ngnix` for `my-nginx`). Named whether the expected Service is
missing (the learner's is the misspelt one) or exists too (the learner's changes went to the
misspelt copy, so the expected one keeps failing).
"""

from __future__ import annotations

from kubelab.grading.diagnose.facts import ServiceFacts


def one_edit_apart(a: str, b: str) -> bool:
    """Whether `a` and `b` differ by exactly one insertion, deletion, substitution or swap of
    two neighbouring characters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        return (
            len(differ) == 2
            and differ[1] == differ[0] + 1
            and a[differ[0]] == b[differ[1]]
            and a[differ[1]] == b[differ[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    first = next(
        (i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y), len(short)
    )
    return short[first:] == long[first + 1 :]


def rule(facts: ServiceFacts) -> str | None:
    names = sorted(
        {str((s.get("metadata") or {}).get("name")) for s in facts.services} - {facts.name}
    )
    near = [name for name in names if one_edit_apart(name, facts.name)]
    if not near:
        return None
    listed = " and ".join(repr(name) for name in near)
    if facts.service is None:
        return (
            f"there is no Service {facts.name!r} in namespace {facts.namespace}, but there is "
            f"{listed}, one edit away: a typo in the name?"
        )
    return (
        f"namespace {facts.namespace} also has Service {listed}, one edit away from "
        f"{facts.name!r}: did your changes go to that one instead?"
    )
