"""Controllers run under supervision: a controller that crashes is logged and restarted after a
backoff (0.1 s doubling to 5 s), and its state is a readiness check of `/readyz`.

A controller is an `async def run(store) -> None` that runs until cancelled; returning is
treated like a crash (nothing would reconcile its objects any more).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubelab.sim.store import Store

log = logging.getLogger("kubelab.sim.supervisor")

FIRST_BACKOFF = 0.1
MAX_BACKOFF = 5.0


@dataclass(frozen=True)
class ControllerSpec:
    """One controller: its readiness check name (`controller-endpoints`) and its entry point."""

    name: str
    run: Callable[[Store], Awaitable[None]]


def check_name(class_name: str) -> str:
    """`EndpointsController` -> `controller-endpoints`, `Kubelet` -> `controller-kubelet`."""
    base = class_name.removesuffix("Controller") or class_name
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", base).replace("_", "-").lower()
    return f"controller-{words}"


@dataclass
class ControllerHealth:
    name: str
    crashes: int = 0
    restarting: bool = False

    def check_line(self) -> str:
        """The line of this check in `/readyz?verbose` (the apiserver's healthz format)."""
        if self.restarting:
            plural = "crash" if self.crashes == 1 else "crashes"
            return f"[-]{self.name} failed: restarting ({self.crashes} {plural})"
        return f"[+]{self.name} ok"


class Supervisor:
    """Runs controllers as tasks and restarts a crashed one with a capped, doubling backoff
    (reset once a run lasted longer than the cap)."""

    def __init__(self, first: float = FIRST_BACKOFF, cap: float = MAX_BACKOFF) -> None:
        self.first = first
        self.cap = cap
        self.health: dict[str, ControllerHealth] = {}
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, specs: Iterable[ControllerSpec], store: Store) -> None:
        for spec in specs:
            self.health[spec.name] = ControllerHealth(spec.name)
            self._tasks.append(asyncio.create_task(self._supervise(spec, store), name=spec.name))

    def checks(self) -> list[ControllerHealth]:
        return list(self.health.values())

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("controller %s failed while stopping", task.get_name())
        self._tasks.clear()

    async def _supervise(self, spec: ControllerSpec, store: Store) -> None:
        health = self.health[spec.name]
        delay = self.first
        while True:
            began = time.monotonic()
            try:
                await spec.run(store)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("controller %s crashed", spec.name)
            else:
                log.error("controller %s returned; it runs until stopped", spec.name)
            if time.monotonic() - began > self.cap:
                delay = self.first
            health.crashes += 1
            health.restarting = True
            log.warning(
                "controller %s restarts in %.1fs (%d crashes)", spec.name, delay, health.crashes
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.cap)
            health.restarting = False


def readyz_text(checks: Iterable[ControllerHealth], *, verbose: bool) -> tuple[int, str]:
    """The status and body of `/readyz` (`k8s.io/apiserver/pkg/server/healthz`): `ok`, or with
    `?verbose` one `[+]name ok` line per check; a failed check makes it a 500 listing them."""
    lines = ["[+]ping ok", *(c.check_line() for c in checks)]
    failed = any(line.startswith("[-]") for line in lines)
    if failed:
        return 500, "\n".join(lines) + "\nreadyz check failed\n"
    if verbose:
        return 200, "\n".join(lines) + "\nreadyz check passed\n"
    return 200, "ok"
