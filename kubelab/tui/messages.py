"""Messages the TUI's workers and watchers post (one line of docstring each, dataclass style)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from kubelab.objects import Obj

if TYPE_CHECKING:
    from kubelab.cluster.base import ClusterStatus, LabCluster
    from kubelab.lessons.loader import Course


@dataclass
class CourseLoaded(Message):
    """The course finished loading."""

    course: Course


@dataclass
class ProvisionStage(Message):
    """A provisioning stage began (the provider's progress line)."""

    text: str


@dataclass
class ClusterReady(Message):
    """The lab cluster is provisioned; its status as read right after."""

    cluster: LabCluster
    status: ClusterStatus | None


@dataclass
class ClusterStatusRead(Message):
    """The cluster's status as read just now (or why it could not be read)."""

    cluster: LabCluster
    status: ClusterStatus | None
    error: str | None


@dataclass
class ClusterFailed(Message):
    """Provisioning failed: the provider's message and what to do."""

    message: str
    hint: str | None


@dataclass
class ConfirmationNeeded(Message):
    """Provisioning would change a cluster kubelab did not create: ask, then try with yes."""

    question: str


@dataclass
class ClusterEvent(Message):
    """A watch event (or a resync marker, `event` None) from the lesson's namespace."""

    kind: str
    event: Obj | None

    def can_replace(self, message: Message) -> bool:
        return False
