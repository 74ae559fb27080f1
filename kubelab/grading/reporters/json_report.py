"""The JSON report: a top-level object with `passed`, `score` and the lessons, steps and checks
(the format is documented in docs/grading.md)."""

from __future__ import annotations

import json

from kubelab.grading.results import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2) + "\n"
