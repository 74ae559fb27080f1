"""core/v1 Pods: the printer kubectl shows (READY, STATUS, RESTARTS...), defaults, validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kubelab.sim.kinds.field_errors import FieldError, duplicate, forbidden, raise_invalid, required
from kubelab.sim.kinds.pod_defaults import admit_pod, validate_pod_spec
from kubelab.sim.kinds.printer_helpers import AGE, NAME
from kubelab.sim.objects import Obj
from kubelab.sim.registry import Cell, Column, ResourceType, age, parse_time

if TYPE_CHECKING:
    from kubelab.sim.store import Store


COLUMNS = (
    NAME,
    Column(
        "Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic."
    ),
    Column("Status", "string", "", 0, "The aggregate status of the containers in this pod."),
    Column(
        "Restarts",
        "string",
        "",
        0,
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted.",
    ),
    AGE,
    Column(
        "IP",
        "string",
        "",
        1,
        "podIP address allocated to the pod. Routable at least within the cluster.",
    ),
    Column("Node", "string", "", 1, "NodeName indicates in which node this pod is scheduled."),
    Column(
        "Nominated Node",
        "string",
        "",
        1,
        "nominatedNodeName is set only when this pod preempts other pods on the node.",
    ),
    Column(
        "Readiness Gates",
        "string",
        "",
        1,
        "If specified, all readiness gates will be evaluated for pod readiness.",
    ),
)

UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
    "to 1 if it was previously negative)"
)


def _ready_condition(status: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )


def pod_status_reason(pod: Obj) -> tuple[str, int, int, int, datetime | None]:
    """printPod's STATUS logic: (reason, ready, total, restarts, last restart)."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    meta = pod.get("metadata") or {}
    total = len(spec.get("containers") or [])
    ready = 0
    restarts = 0
    last_restart: datetime | None = None
    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or phase)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    initializing = False
    init_statuses = status.get("initContainerStatuses") or []
    for i, cs in enumerate(init_statuses):
        restarts += int(cs.get("restartCount") or 0)
        state = cs.get("state") or {}
        terminated = state.get("terminated")
        waiting = state.get("waiting")
        if terminated and int(terminated.get("exitCode") or 0) == 0:
            continue
        if terminated:
            reason = "Init:" + str(
                terminated.get("reason") or f"ExitCode:{terminated.get('exitCode')}"
            )
            initializing = True
        elif waiting and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + str(waiting["reason"])
            initializing = True
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
            initializing = True
        break
    if not initializing:
        restarts = 0
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += int(cs.get("restartCount") or 0)
            last = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt")
            when = parse_time(last) if isinstance(last, str) else None
            if when is not None and (last_restart is None or when > last_restart):
                last_restart = when
            state = cs.get("state") or {}
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated and terminated.get("reason"):
                reason = str(terminated["reason"])
            elif terminated is not None:
                if terminated.get("signal"):
                    reason = f"Signal:{terminated['signal']}"
                else:
                    reason = f"ExitCode:{terminated.get('exitCode', 0)}"
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _ready_condition(status) else "NotReady"
    if meta.get("deletionTimestamp") and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif meta.get("deletionTimestamp") and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def pod_row(pod: Obj) -> list[Cell]:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    reason, ready, total, restarts, last_restart = pod_status_reason(pod)
    restarts_text = str(restarts)
    if restarts and last_restart is not None:
        since = last_restart.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        restarts_text = f"{restarts} ({age(since)} ago)"
    ips = status.get("podIPs") or []
    pod_ip = str(ips[0].get("ip", "")) if ips else ""
    gates = spec.get("readinessGates") or []
    gates_text = "<none>"
    if gates:
        true_conditions = {
            c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"
        }
        passed = sum(1 for g in gates if g.get("conditionType") in true_conditions)
        gates_text = f"{passed}/{len(gates)}"
    return [
        meta.get("name", ""),
        f"{ready}/{total}",
        reason,
        restarts_text,
        age(meta.get("creationTimestamp")),
        pod_ip or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        gates_text,
    ]


def defaults(pod: Obj, store: Store) -> None:
    if (pod.get("metadata") or {}).get("uid"):
        return  # an update: admission ran at create
    admit_pod(pod)
    status = pod.setdefault("status", {})
    if isinstance(status, dict):
        status.setdefault("phase", "Pending")
        status.setdefault("qosClass", _qos_class(pod))


def _qos_class(pod: Obj) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    has_any = False
    guaranteed = bool(containers)
    for container in containers:
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        if requests or limits:
            has_any = True
        if not limits.get("cpu") or not limits.get("memory"):
            guaranteed = False
        for key, value in requests.items():
            if limits.get(key) != value:
                guaranteed = False
    if not has_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def validate_create(pod: Obj, store: Store) -> None:
    name = str((pod.get("metadata") or {}).get("name", ""))
    raise_invalid("Pod", name, validate_pod_spec(pod.get("spec"), "spec"))


def _mutable_view(spec: Obj) -> Obj:
    view = dict(spec)
    for key in (
        "activeDeadlineSeconds",
        "tolerations",
        "terminationGracePeriodSeconds",
        "ephemeralContainers",  # the ephemeralcontainers subresource's, checked on their own
    ):
        view.pop(key, None)
    for key in ("containers", "initContainers"):
        view[key] = [
            {k: v for k, v in c.items() if k != "image"} if isinstance(c, dict) else c
            for c in spec.get(key) or []
        ]
    return view


def validate_update(new: Obj, old: Obj, store: Store) -> None:
    name = str((new.get("metadata") or {}).get("name", ""))
    new_spec = new.get("spec") or {}
    old_spec = old.get("spec") or {}
    errors: list[FieldError] = []
    if new_spec != old_spec:
        errors.extend(validate_pod_spec(new_spec, "spec"))
        if _mutable_view(new_spec) != _mutable_view(old_spec):
            errors.append(forbidden("spec", UPDATE_FORBIDDEN))
        errors.extend(_ephemeral_errors(new_spec, old_spec))
    raise_invalid("Pod", name, errors)


def _ephemeral_errors(new_spec: Obj, old_spec: Obj) -> list[FieldError]:
    """Ephemeral containers are only ever added: named, with an image, unique names."""
    new = [c for c in new_spec.get("ephemeralContainers") or [] if isinstance(c, dict)]
    old = [c for c in old_spec.get("ephemeralContainers") or [] if isinstance(c, dict)]
    path = "spec.ephemeralContainers"
    errors: list[FieldError] = []
    if new[: len(old)] != old:
        errors.append(forbidden(path, "existing ephemeral containers may not be changed"))
    taken = {str(c.get("name")) for c in new_spec.get("containers") or [] if isinstance(c, dict)}
    for i, c in enumerate(new[len(old) :], start=len(old)):
        name = str(c.get("name") or "")
        if not name:
            errors.append(required(f"{path}[{i}].name", ""))
        elif name in taken:
            errors.append(duplicate(f"{path}[{i}].name", name))
        taken.add(name)
        if not c.get("image"):
            errors.append(required(f"{path}[{i}].image", ""))
    return errors


def grace_period(pod: Obj, asked: int) -> int:
    """The pod strategy's CheckGracefulDelete (pkg/registry/core/pod/strategy.go): a pod never
    scheduled or already Succeeded/Failed has nothing to stop and goes at once."""
    if not (pod.get("spec") or {}).get("nodeName"):
        return 0
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    return asked


TYPES = (
    ResourceType(
        group="",
        version="v1",
        kind="Pod",
        plural="pods",
        singular="pod",
        namespaced=True,
        short_names=("po",),
        categories=("all",),
        subresources=(
            "status",
            "log",
            "exec",
            "attach",
            "portforward",
            "proxy",
            "ephemeralcontainers",
        ),
        columns=COLUMNS,
        row=pod_row,
        defaults=defaults,
        validate_create=validate_create,
        validate_update=validate_update,
        field_selectors=(
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ),
        graceful_deletion=True,
        grace_period=grace_period,
        deletion_finished_by_controller=True,
        # pkg/registry/core/pod/storage/storage.go: ReturnDeletedObject: true
        return_deleted_object=True,
    ),
)
