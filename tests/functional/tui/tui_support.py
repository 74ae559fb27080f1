"""Helpers for the TUI's functional tests: services around a test cluster, waiting with timeouts."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kubelab.cluster.base import (
    ClusterError,
    ClusterStatus,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
)
from kubelab.cluster.kubectl import kubectl_path
from kubelab.lessons.loader import Course, load_course
from kubelab.tui.progress_adapter import StoreProgress
from kubelab.tui.services import ClusterGrader, Services
from kubelab.tui.widgets.terminal import Terminal

if TYPE_CHECKING:
    from textual.pilot import Pilot
from kubelab.tui.shell_session import PtyShellRunner

PROMPT = "[lab]$"
"""The console shell's prompt in the TUI's tests (PS1 is this and a space)."""
REPO = Path(__file__).resolve().parents[3]
COURSE = Path(__file__).resolve().parent / "course"
"""A small course of object-only checks (fast on any cluster) for the TUI's tests."""


class StaticProvider(Provider):
    """A provider handing out an already running cluster (the test simulator)."""

    kind = "sim"

    def __init__(self, cluster: LabCluster) -> None:
        self.cluster = cluster

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> StaticProvider:
        raise AssertionError("chosen directly, never by --cluster")

    @property
    def name(self) -> str:
        return self.cluster.name

    @property
    def capabilities(self) -> frozenset[str]:
        return self.cluster.capabilities

    def provision(self, progress: Progress) -> LabCluster:
        progress("using the test simulator")
        return self.cluster

    def status(self) -> ClusterStatus:
        from kubelab.cluster.status import collect_status

        return collect_status(self.cluster, provisioned=True)

    def teardown(self, progress: Progress) -> None:
        raise ClusterError("the test cluster is not torn down by tests")


class BrokenProvider(StaticProvider):
    """Provisioning fails the way a provider reports it."""

    def __init__(self, message: str, hint: str) -> None:
        self.message = message
        self.hint = hint

    @property
    def name(self) -> str:
        return "broken"

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset()

    def provision(self, progress: Progress) -> LabCluster:
        progress("checking for a container engine")
        raise ClusterError(self.message, hint=self.hint)


def lab_cluster(kubeconfig: Path, namespace: str | None = None) -> LabCluster:
    return LabCluster(
        provider="sim",
        name="test",
        kubeconfig=kubeconfig,
        context="kubelab-sim",
        namespace=namespace or f"tui-{uuid.uuid4().hex[:8]}",
        capabilities=frozenset({"nodeport-from-host", "loadbalancer"}),
        nodeport_host="127.0.0.1",
    )


def services_for(
    provider: Provider,
    progress_file: Path,
    course: Callable[[], Course] | None = None,
) -> Services:
    return Services(
        load_course=course or (lambda: load_course(REPO)),
        resolve_provider=lambda yes=False: provider,
        grader=ClusterGrader(),
        progress=StoreProgress(progress_file),
        console=PtyShellRunner(),
        kubectl=kubectl_path,
    )


async def wait_for(
    condition: Callable[[], object],
    timeout: float = 20.0,
    what: str = "condition",
    shown: Callable[[], str] = lambda: "",
) -> None:
    """Let the app run until `condition()` is true; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{shown()}")
        await asyncio.sleep(0.05)


def console_output(terminal: Terminal) -> str:
    """Everything the console shows or showed (what scrolled off the top included)."""
    return "\n".join([*terminal.transcript, terminal.text()])


async def type_keys(pilot: Pilot[object], text: str, enter: bool = True) -> None:
    """Key presses, one per character, as the learner types them."""
    keys = ["space" if c == " " else c for c in text]
    await pilot.press(*keys, *(["enter"] if enter else []))


async def run_in_console(
    pilot: Pilot[object], terminal: Terminal, line: str, timeout: float = 30.0
) -> None:
    """Type `line` in the console and wait for the shell's next prompt."""
    terminal.focus()
    await wait_for(lambda: PROMPT in terminal.text(), what="the shell's prompt")
    before = console_output(terminal).count(PROMPT)
    await type_keys(pilot, line)
    await wait_for(
        lambda: console_output(terminal).count(PROMPT) > before and not terminal.command_running(),
        timeout,
        f"{line!r} to finish",
    )
