"""Cluster status on the home screen: provider, context, API, nodes; live provisioning stages.

Once the cluster is ready the panel shows its status as last read (the app reads it again every
few seconds while the home screen is shown) and when that was, never a stage that is over."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from kubelab.cluster.base import ClusterStatus, LabCluster


AGE_SECONDS = 5.0


def age(seconds: float) -> str:
    """How long ago the status was read, in words."""
    if seconds < 15:
        return "just now"
    if seconds < 90:
        return f"{int(seconds)} s ago"
    return f"{int(seconds // 60)} min ago"


class ClusterPanel(Static):
    """What the cluster is doing, honestly: stages while provisioning, the failure and the fix."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.stages: list[str] = []
        self.cluster: LabCluster | None = None
        self.status: ClusterStatus | None = None
        self.failure: tuple[str, str | None] | None = None
        self.status_error: str | None = None
        self.read_at: float | None = None

    def on_mount(self) -> None:
        self.redraw()
        # the age of the status shown grows even when a read hangs (an unreachable cluster)
        self.set_interval(AGE_SECONDS, self._redraw_age)

    def _redraw_age(self) -> None:
        if self.read_at is not None and self.failure is None and self.cluster is not None:
            self.redraw()

    def provisioning(self, stage: str) -> None:
        self.failure = None
        self.stages.append(stage)
        del self.stages[:-6]
        self.redraw()

    def restart(self) -> None:
        self.stages.clear()
        self.failure = None
        self.cluster = None
        self.status = None
        self.status_error = None
        self.read_at = None
        self.redraw()

    def ready(self, cluster: LabCluster, status: ClusterStatus | None) -> None:
        self.cluster = cluster
        self.status = status
        self.redraw()

    def show_status(self, status: ClusterStatus | None, error: str | None) -> None:
        """The status just read (or why it could not be read: the last one read is kept)."""
        if status is not None:
            self.status = status
        self.status_error = error
        self.read_at = time.time()
        self.redraw()

    def failed(self, message: str, hint: str | None) -> None:
        self.failure = (message, hint)
        self.redraw()

    def redraw(self) -> None:
        text = Text()
        text.append("Lab cluster\n", style="bold")
        if self.failure is not None:
            message, hint = self.failure
            text.append("✘ provisioning failed\n", style="bold red")
            text.append(f"{message}\n")
            if hint:
                text.append(f"What to do: {hint}\n", style="yellow")
            text.append("Press u to try again.", style="dim")
            self.update(text)
            return
        if self.cluster is None:
            text.append("⋯ provisioning\n", style="yellow")
            for stage in self.stages:
                text.append(f"  {stage}\n", style="dim")
            self.update(text)
            return
        cluster = self.cluster
        text.append("✔ ready\n", style="green")
        text.append(f"provider  {cluster.provider}:{cluster.name}\n")
        text.append(f"context   {cluster.context}\n")
        text.append(f"namespace {cluster.namespace}\n")
        status = self.status
        if status is not None:
            api = "reachable" if status.api_reachable else "NOT reachable"
            text.append(f"API       {api}", style="" if status.api_reachable else "bold red")
            if status.server_version:
                text.append(f" ({status.server_version})")
            text.append("\n")
            text.append(f"nodes     {status.nodes_ready}/{len(status.nodes)} ready\n")
            for problem in status.problems:
                text.append(f"! {problem}\n", style="yellow")
        elif self.status_error is None:
            text.append("API       checking…\n", style="dim")
        if self.status_error is not None:
            text.append(f"! status unavailable: {self.status_error}\n", style="yellow")
        caps = ", ".join(sorted(cluster.capabilities)) or "none"
        text.append(f"can do    {caps}", style="dim")
        if self.read_at is not None:
            text.append(f"\nchecked   {age(time.time() - self.read_at)}", style="dim")
        self.update(text)
