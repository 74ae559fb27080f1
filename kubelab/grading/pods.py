"""Which pod(s) an exec, dns, http or env check runs in (a `PodRef`), and running commands there."""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.cluster.base import ClusterError, ClusterUnreachable
from kubelab.grading.context import CheckContext, iter_ready_pods, pod_is_ready
from kubelab.grading.probe import ensure_probe
from kubelab.lessons.checks.base import PodRef
from kubelab.objects import Obj


class NoTargetPod(Exception):
    """No pod to run in (yet): the check fails, and is retried while it has time."""


@dataclass(frozen=True)
class Target:
    name: str
    namespace: str
    container: str | None


@dataclass(frozen=True)
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _labels(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


def not_ready_reason(pod: Obj) -> str:
    """Why a pod is not Ready, as a learner can act on it: the phase, and the waiting or
    terminated reason with the container's image (a wrong image is the usual cause)."""
    status = pod.get("status") or {}
    phase = str(status.get("phase") or "Unknown")
    images = {
        c.get("name"): c.get("image") for c in (pod.get("spec") or {}).get("containers") or []
    }
    for container in status.get("containerStatuses") or []:
        state = container.get("state") or {}
        detail = state.get("waiting") or state.get("terminated") or {}
        reason = detail.get("reason")
        if reason:
            image = container.get("image") or images.get(container.get("name"))
            return f"phase {phase}, {reason}" + (f": image {image}" if image else "")
    return f"phase {phase}"


def target_pods(ref: PodRef, ctx: CheckContext, *, every: bool = False) -> list[Target]:
    """The pod by name, the ready pods a selector picks (the first one unless `every`), or the
    probe pod. Raises NoTargetPod when there is none ready."""
    namespace = ctx.namespace_of(ref.namespace)
    if ref.probe:
        return [Target(ensure_probe(ctx, namespace), namespace, None)]
    if ref.name is not None:
        pod = ctx.client.get("v1", "Pod", ref.name, namespace)
        if pod is None:
            raise NoTargetPod(f"pod {ref.name!r} does not exist in namespace {namespace}")
        if not pod_is_ready(pod):
            raise NoTargetPod(f"pod {ref.name!r} is not Ready ({not_ready_reason(pod)})")
        return [Target(ref.name, namespace, ref.container)]
    selector = ref.selector or {}
    pods = sorted(
        iter_ready_pods(ctx.client.list("v1", "Pod", namespace, selector)),
        key=lambda p: str(p["metadata"]["name"]),
    )
    if not pods:
        raise NoTargetPod(f"no Ready pod with labels {_labels(selector)} in namespace {namespace}")
    chosen = pods if every else pods[:1]
    return [Target(str(p["metadata"]["name"]), namespace, ref.container) for p in chosen]


def run_in(target: Target, command: list[str], ctx: CheckContext, timeout: float) -> Ran:
    """Run `command` (argv, no shell) in the target pod. A command that does not finish in time is
    a failed check; an unreachable cluster or a refused exec propagates (an error, or a retry)."""
    # Imported here: check modules load with every lesson, the kubernetes client is slow to import.
    from kubelab.cluster.client import ApiRejected, ExecTimedOut

    try:
        result = ctx.client.exec(target.name, command, target.namespace, target.container, timeout)
    except ExecTimedOut as exc:
        return Ran(124, exc.stdout, exc.stderr + f"\n{exc.message}")
    except ClusterUnreachable:
        raise
    except ApiRejected as exc:
        if exc.status_code in (400, 404):  # pod gone or container not running: retry
            raise NoTargetPod(f"cannot exec in pod {target.name}: {exc.message}") from exc
        raise
    except ClusterError as exc:
        raise NoTargetPod(f"cannot exec in pod {target.name}: {exc.message}") from exc
    return Ran(result.exit_code, result.stdout, result.stderr)
