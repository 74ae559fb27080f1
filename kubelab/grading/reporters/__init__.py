"""Reporters: the same Report as terminal text, JSON (docs/grading.md) or JUnit XML."""

from __future__ import annotations

from collections.abc import Callable

from kubelab.grading.reporters import json_report, junit, text
from kubelab.grading.results import Report

RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": text.render,
    "json": json_report.render,
    "junit": junit.render,
}


def render(report: Report, fmt: str, *, color: bool = False) -> str:
    if fmt == "text":
        return text.render(report, color=color)
    return RENDERERS[fmt](report)
