"""`CheckKind`: how one kind of check is graded, declared once by its module in this package.

Besides `evaluate`, a kind says what the rest of the grader needs to know about it, so the engine,
the change-watcher (`changes.py`) and the diagnosis (`diagnose/`) never branch on kind names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar, get_args

from kubelab.grading.context import CheckContext
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.base import CheckBase

S = TypeVar("S", bound=CheckBase)

ServiceTarget = tuple[str, str | None]
"""A Service's name and namespace (None: the lab's)."""


def no_service(spec: CheckBase) -> ServiceTarget | None:
    """For kinds that are never about one Service."""
    return None


@dataclass(frozen=True)
class CheckKind(Generic[S]):
    spec: type[S]
    """The kind's lesson-format model (from `kubelab.lessons.checks`)."""
    evaluate: Callable[[S, CheckContext], CheckOutcome]
    """One evaluation against the cluster (the engine polls and handles exceptions)."""
    reads_service_path: bool = False
    """True when an outcome also depends on Services, EndpointSlices and Pods it does not name
    (traffic, DNS, commands in pods): the change-watcher watches those too."""
    service_of: Callable[[S], ServiceTarget | None] = no_service
    """The Service a failed check is about, for the diagnosis (None: not about one)."""

    @property
    def name(self) -> str:
        """The `kind` literal of the spec, as lessons write it."""
        return str(get_args(self.spec.model_fields["kind"].annotation)[0])
