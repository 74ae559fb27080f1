"""`endpoints`: a Service has the ready endpoints expected."""

from __future__ import annotations

from kubelab.grading.checks.kind import CheckKind
from kubelab.grading.context import CheckContext, iter_ready_pods
from kubelab.grading.results import CheckOutcome
from kubelab.grading.wording import count_text
from kubelab.lessons.checks.endpoints import Spec
from kubelab.objects import Obj


def ready_endpoint_addresses(slices: list[Obj]) -> set[str]:
    """Addresses of ready endpoints across a Service's EndpointSlices (unset `ready` = ready)."""
    found: set[str] = set()
    for endpoint_slice in slices:
        for endpoint in endpoint_slice.get("endpoints") or []:
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            addresses = endpoint.get("addresses") or []
            if addresses:
                found.add(str(addresses[0]))
    return found


def _ready(count: int, noun: str = "endpoint") -> str:
    return count_text(count, f"ready {noun}")


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    namespace = ctx.namespace_of(spec.namespace)
    service = ctx.client.get("v1", "Service", spec.service, namespace)
    if service is None:
        return CheckOutcome.failed(f"Service {spec.service!r} not found in namespace {namespace}")
    slices = ctx.client.list(
        "discovery.k8s.io/v1",
        "EndpointSlice",
        namespace,
        {"kubernetes.io/service-name": spec.service},
    )
    ready = ready_endpoint_addresses(slices)
    shown = ", ".join(sorted(ready)) or "none"
    if spec.ready is not None:
        if len(ready) == spec.ready:
            return CheckOutcome.passed(f"Service {spec.service} has {_ready(len(ready))}")
        return CheckOutcome.failed(
            f"Service {spec.service} should have {_ready(spec.ready)}; "
            f"it has {len(ready)} ({shown})"
        )
    if spec.min_ready is not None:
        if len(ready) >= spec.min_ready:
            return CheckOutcome.passed(f"Service {spec.service} has {_ready(len(ready))}")
        return CheckOutcome.failed(
            f"Service {spec.service} should have at least {_ready(spec.min_ready)}; "
            f"it has {len(ready)} ({shown})"
        )
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        return CheckOutcome.failed(f"Service {spec.service} has no selector")
    pods = list(iter_ready_pods(ctx.client.list("v1", "Pod", namespace, selector)))
    pod_ips = {str(p["status"]["podIP"]) for p in pods if (p.get("status") or {}).get("podIP")}
    if not pod_ips:
        return CheckOutcome.failed(
            f"no Ready pod matches the selector of Service {spec.service}; endpoints: {shown}"
        )
    if pod_ips == ready:
        return CheckOutcome.passed(
            f"Service {spec.service} has exactly the {_ready(len(ready), 'pod')} its selector picks"
        )
    missing = ", ".join(sorted(pod_ips - ready)) or "none"
    extra = ", ".join(sorted(ready - pod_ips)) or "none"
    return CheckOutcome.failed(
        f"Service {spec.service} endpoints differ from its ready pods: "
        f"missing {missing}; not a selected ready pod: {extra}"
    )


KIND = CheckKind(
    Spec,
    evaluate,
    reads_service_path=True,
    service_of=lambda spec: (spec.service, spec.namespace),
)
