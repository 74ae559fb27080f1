"""Settings of the simulated control plane that `kubelab sim serve` takes as options (the
flags kube-controller-manager takes upstream); tests shorten them."""

from __future__ import annotations

from dataclasses import dataclass

# cmd/kube-controller-manager/app/options/nodelifecyclecontroller.go defaults
NODE_MONITOR_GRACE_PERIOD = 40.0
NODE_STARTUP_GRACE_PERIOD = 60.0


@dataclass
class ClusterSettings:
    # How long a node may go without reporting (status heartbeat or Lease renewal) before the
    # node lifecycle controller marks its conditions Unknown.
    node_monitor_grace_period: float = NODE_MONITOR_GRACE_PERIOD
    # The same for a node that never reported a Ready condition at all.
    node_startup_grace_period: float = NODE_STARTUP_GRACE_PERIOD
