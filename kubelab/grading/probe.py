"""The grader's probe pod: a small image with nslookup and wget, created on demand and reused.

busybox:1.37 is used because real clusters pull it everywhere and the simulator's image catalogue
knows it (`nslookup` in the >=1.29 output format, `wget -qO-`). The probe lives in the lab
namespace, so in-cluster DNS short names resolve exactly as they do for the learner's own pods.
"""

from __future__ import annotations

import time

from kubelab.grading.context import CheckContext, GradingError, pod_is_ready
from kubelab.objects import Obj

PROBE_NAME = "kubelab-probe"
PROBE_LABELS = {"app.kubernetes.io/managed-by": "kubelab", "app.kubernetes.io/name": PROBE_NAME}
_PULL_FAILURES = ("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerError")


class ProbeUnavailable(GradingError):
    """The probe pod could not be started: the grader cannot run in-cluster checks."""


def probe_manifest(image: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": PROBE_NAME, "labels": dict(PROBE_LABELS)},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "probe", "image": image, "command": ["sleep", "86400"]}],
        },
    }


def _waiting_reason(pod: Obj) -> str | None:
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        waiting = (status.get("state") or {}).get("waiting") or {}
        if waiting.get("reason") in _PULL_FAILURES:
            return f"{waiting['reason']}: {waiting.get('message', '')}".strip(": ")
    return None


def ensure_probe(ctx: CheckContext, namespace: str | None = None) -> str:
    """The probe pod's name, once it is Ready in `namespace` (default: the lab namespace)."""
    from kubelab.cluster.api_errors import ApiRejected

    namespace = ctx.namespace_of(namespace)
    with ctx.probe_lock:
        if namespace in ctx.probes_ready:
            return PROBE_NAME
        pod = ctx.client.get("v1", "Pod", PROBE_NAME, namespace)
        if pod is None:
            try:
                pod = ctx.client.create(probe_manifest(ctx.probe_image), namespace)
            except ApiRejected as exc:
                if exc.status_code != 409:
                    raise ProbeUnavailable(f"cannot create the probe pod: {exc}") from exc
        deadline = time.monotonic() + ctx.probe_timeout
        while True:
            if pod is not None and pod_is_ready(pod):
                ctx.probes_ready.add(namespace)
                return PROBE_NAME
            if pod is not None:
                reason = _waiting_reason(pod)
                if reason:
                    raise ProbeUnavailable(
                        f"the probe pod ({ctx.probe_image}) cannot start: {reason}"
                    )
            if time.monotonic() > deadline:
                raise ProbeUnavailable(
                    f"the probe pod {namespace}/{PROBE_NAME} was not Ready within "
                    f"{ctx.probe_timeout:g}s"
                )
            time.sleep(0.05)
            pod = ctx.client.get("v1", "Pod", PROBE_NAME, namespace)
