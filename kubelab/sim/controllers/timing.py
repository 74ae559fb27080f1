"""How long each simulated stage takes (seconds).

Short by default so a Deployment is Ready well within a second, yet long enough for
`kubectl get -w` to show the states go by. `KUBELAB_SIM_TIME_SCALE` multiplies every stage
(e.g. `5` to watch slowly, `0.2` for tests in a hurry).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass
class Timings:
    schedule: float = 0.03  # Pending (unscheduled) -> bound to a node
    create: float = 0.2  # ContainerCreating -> Running (pull, create, start)
    pull_failure: float = 0.4  # Pulling -> ErrImagePull
    back_off: float = 2.0  # ErrImagePull -> ImagePullBackOff; doubles per retry
    back_off_cap: float = 60.0
    crash_back_off: float = 2.0  # restart delay of a container that exited; doubles
    sigterm_exit: float = 1.0  # SIGTERM -> exited, for a process that handles it (nginx)
    load_balancer: float = 1.0  # a LoadBalancer Service's EXTERNAL-IP <pending> -> an address

    def scaled(self, factor: float) -> Timings:
        return Timings(**{k: v * factor for k, v in self.__dict__.items()})


def from_environment() -> Timings:
    raw = os.environ.get("KUBELAB_SIM_TIME_SCALE", "")
    try:
        factor = float(raw) if raw else 1.0
    except ValueError:
        factor = 1.0
    return Timings().scaled(max(factor, 0.0))


TIMINGS = from_environment()
