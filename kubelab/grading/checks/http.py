"""`http`: GET a URL from inside the cluster (probe pod) or from the learner's host."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http import HTTPStatus

from kubelab.cluster.base import host_port_problem, served_ports
from kubelab.grading.checks.kind import CheckKind, ServiceTarget
from kubelab.grading.checks.targets import service_of_url
from kubelab.grading.context import CheckContext, GradingError
from kubelab.grading.live import expected_texts
from kubelab.grading.pods import run_in, target_pods
from kubelab.grading.results import CheckOutcome
from kubelab.lessons.checks.http import HostTarget, Spec
from kubelab.objects import Obj

# Never through a proxy from the environment: the address is the cluster's, on this machine.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_WGET_STATUS = re.compile(r"server returned error: HTTP/\d(?:\.\d)?\s+(\d{3})")


@dataclass(frozen=True)
class Fetched:
    """An HTTP answer (status None: no answer at all, `problem` says why)."""

    status: int | None
    body: str
    problem: str = ""


def fetch_in_pod(spec: Spec, ctx: CheckContext, url: str) -> tuple[str, Fetched]:
    """GET `url` with busybox `wget -qO-` inside the pod (exit 0 = a 2xx answer)."""
    target = target_pods(spec.from_, ctx)[0]
    ran = run_in(target, ["wget", "-qO-", url], ctx, timeout=min(spec.timeout, 15.0))
    where = f"GET {url} from pod {target.name}"
    if ran.exit_code == 0:
        return where, Fetched(200, ran.stdout)
    status = _WGET_STATUS.search(ran.stderr + ran.stdout)
    if status:
        return where, Fetched(int(status.group(1)), ran.stdout)
    problem = ran.stderr.strip() or ran.stdout.strip() or f"wget exited {ran.exit_code}"
    return where, Fetched(None, "", problem.splitlines()[-1])


def fetch_from_host(host: HostTarget, ctx: CheckContext, timeout: float) -> tuple[str, Fetched]:
    """GET the Service from this machine, through what the cluster provider exposes."""
    if ctx.cluster is None:
        raise GradingError("a host http check needs a lab cluster (provider) to reach the host")
    service = ctx.client.get("v1", "Service", host.service, ctx.namespace)
    if service is None:
        return f"Service {host.service}", Fetched(None, "", "the Service does not exist")
    served: list[Obj] = []
    if ctx.cluster.host_ports_path:
        listing = ctx.client.read_path(ctx.cluster.host_ports_path)
        served = served_ports(listing, ctx.namespace, host.service)
    endpoint = ctx.cluster.host_endpoint(service, host.port, host.via, served)
    if endpoint is None:
        svc_type = (service.get("spec") or {}).get("type", "ClusterIP")
        unreachable = f"port {host.port} is not reachable from this machine via {host.via}"
        # the simulator says why it could not serve it (a host port taken), when it knows
        why = host_port_problem(service, host.port, host.via, served)
        return f"Service {host.service} ({svc_type})", Fetched(
            None, "", f"{unreachable}: {why}" if why else f"{unreachable} (yet)"
        )
    address, port = endpoint
    url = f"http://{address}:{port}{host.path}"
    where = f"GET {url} from this machine"
    try:
        with _NO_PROXY.open(url, timeout=timeout) as response:
            return where, Fetched(response.status, response.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        return where, Fetched(exc.code, exc.read().decode("utf-8", "replace"))
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return where, Fetched(None, "", str(reason))


def evaluate(spec: Spec, ctx: CheckContext) -> CheckOutcome:
    if spec.host is not None:
        where, fetched = fetch_from_host(spec.host, ctx, timeout=min(spec.timeout, 5.0))
    else:
        assert spec.url is not None
        where, fetched = fetch_in_pod(spec, ctx, spec.url)
    if fetched.status is None:
        return CheckOutcome.failed(f"{where}: {fetched.problem}")
    wanted = spec.expect.status
    status_ok = fetched.status == wanted or (
        spec.host is None and 200 <= wanted < 300 and 200 <= fetched.status < 300
    )
    if not status_ok:
        return CheckOutcome.failed(
            f"{where}: the answer should be {_status(wanted)}; it is {_status(fetched.status)}"
        )
    expected = expected_texts(spec.expect.body_contains, ctx)
    missing = [text for text in expected if text not in fetched.body]
    if missing:
        excerpt = fetched.body.strip()[:200] or "(empty body)"
        return CheckOutcome.failed(
            f"{where}: the answer lacks {', '.join(repr(m) for m in missing)}\n{excerpt}"
        )
    return CheckOutcome.passed(f"{where}: status {fetched.status}")


def _status(code: int) -> str:
    """`404 Not Found`: the code with the reason phrase a learner recognises."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _service_of(spec: Spec) -> ServiceTarget | None:
    if spec.host is not None:
        return spec.host.service, None
    return service_of_url(spec.url) if spec.url is not None else None


KIND = CheckKind(Spec, evaluate, reads_service_path=True, service_of=_service_of)
