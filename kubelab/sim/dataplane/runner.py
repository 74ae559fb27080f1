"""Running containers' main processes in the background, as a container runtime does.

A container whose main process is a plain command (`sleep 3600`, `sh -c 'while true; do date;
sleep 5; done'`, `echo hello`) runs it from when the container is running: its output becomes
the container's log (`kubectl logs`), and when it ends the Pod's status says so. With
restartPolicy Always (or OnFailure after a failure) the container is restarted after a crash
back-off that doubles each time (CrashLoopBackOff); otherwise it stays terminated with its exit
code and the Pod becomes Succeeded or Failed.

Left to others: servers (nginx, agnhost, http-echo: `servers.py` answers for them), programs
waiting for a terminal or stdin (`stdin`/`tty` containers: the attach session runs them), and
a bare shell without stdin (the kubelet's own exits-at-once rule).

`main_process_runner(store)` is the controller entry point; `ensure_runner(store)` starts the
same runner on first use of the data plane if no controller list runs it.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kubelab.sim import errors
from kubelab.sim.controllers.timing import TIMINGS
from kubelab.sim.dataplane import exec_workers, lifecycle, pods, servers, sessions
from kubelab.sim.dataplane.pipes import Pipe
from kubelab.sim.dataplane.runtime import DataplaneRuntime, runtime_for
from kubelab.sim.dataplane.shell.jobs import end_jobs, session_jobs
from kubelab.sim.dataplane.shell.programs import SHELLS, find_program
from kubelab.sim.dataplane.shell.streams import IO

log = logging.getLogger("kubelab.sim.dataplane")
PODS = "/pods"
Key = tuple[str, str]


class LogWriter:
    """Process output -> the container's log, line by line."""

    def __init__(self, runtime: DataplaneRuntime, uid: str, container: str) -> None:
        self.runtime = runtime
        self.uid = uid
        self.container = container
        self.partial = ""

    async def write(self, data: str) -> None:
        text = self.partial + data
        *lines, self.partial = text.split("\n")
        for line in lines:
            self.runtime.log(self.uid, self.container, line)
        await asyncio.sleep(0)

    def flush(self) -> None:
        if self.partial:
            self.runtime.log(self.uid, self.container, self.partial)
            self.partial = ""


def runs_in_background(c: Mapping[str, Any]) -> bool:
    """Is this container's main process one the runner runs (see the module docstring)?"""
    if c.get("stdin") or c.get("tty"):
        return False
    image = pods.image_of(c)
    argv = servers.main_argv(c)
    if not argv or servers.server_kind(image, argv) is not None:
        return False
    return not (len(argv) == 1 and posixpath.basename(argv[0]) in SHELLS)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_ready(status: dict[str, Any], stamp: str) -> None:
    statuses = status.get("containerStatuses") or []
    unready = [str(cs.get("name")) for cs in statuses if not cs.get("ready")]
    for cond in status.get("conditions") or []:
        if cond.get("type") not in ("Ready", "ContainersReady"):
            continue
        wanted = "False" if unready else "True"
        if cond.get("status") != wanted:
            cond["lastTransitionTime"] = stamp
        cond["status"] = wanted
        if unready:
            cond["reason"] = "ContainersNotReady"
            cond["message"] = f"containers with unready status: [{' '.join(unready)}]"
        else:
            cond.pop("reason", None)
            cond.pop("message", None)


def apply_back_off(pod: dict[str, Any], container: str, code: int, delay: float) -> dict[str, Any]:
    """The container ended and waits `delay` seconds before its restart (CrashLoopBackOff)."""
    stamp = _now()
    status = pod.setdefault("status", {})
    for cs in status.get("containerStatuses") or []:
        if cs.get("name") != container:
            continue
        running = (cs.get("state") or {}).get("running") or {}
        cs["lastState"] = {
            "terminated": {
                "exitCode": code,
                "reason": "Completed" if code == 0 else "Error",
                "startedAt": running.get("startedAt", stamp),
                "finishedAt": stamp,
                "containerID": cs.get("containerID", ""),
            }
        }
        cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
        cs["ready"] = False
        cs["started"] = False
        meta = pod.get("metadata") or {}
        cs["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {round(delay)}s restarting failed container={container} "
                f"pod={meta.get('name')}_{meta.get('namespace')}({meta.get('uid')})",
            }
        }
    _set_ready(status, stamp)
    return pod


def apply_restart(pod: dict[str, Any], container: str) -> dict[str, Any]:
    """The back-off is over: the container runs again."""
    stamp = _now()
    status = pod.setdefault("status", {})
    for cs in status.get("containerStatuses") or []:
        if cs.get("name") == container:
            cs["state"] = {"running": {"startedAt": stamp}}
            cs["ready"] = True
            cs["started"] = True
    _set_ready(status, stamp)
    return pod


class MainProcessRunner:
    def __init__(self, store: Any) -> None:
        self.store = store
        self.runtime = runtime_for(store)
        self.tasks: dict[Key, asyncio.Task[None]] = {}
        self.unsubscribe: Any = None

    def start(self) -> None:
        if self.unsubscribe is not None:
            return
        self.unsubscribe = self.store.subscribe(self._on_event, {PODS})
        try:
            rt = self.store.registry.by_key(PODS)
        except KeyError:
            return
        for pod in self.store.list(rt, None, copy_items=False).items:
            self.consider(pod)

    def stop(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None
        for task in self.tasks.values():
            task.cancel()
        self.tasks.clear()

    def _on_event(self, event: Any) -> None:
        pod = event.obj
        uid = pods.uid(pod)
        if event.type == "DELETED" or pods.meta(pod).get("deletionTimestamp"):
            for key in [k for k in self.tasks if k[0] == uid]:
                self.tasks.pop(key).cancel()
            if event.type == "DELETED":
                self.runtime.forget_pod(uid)  # its files and logs go with it
            return
        self.consider(pod)

    def consider(self, pod: Mapping[str, Any]) -> None:
        uid = pods.uid(pod)
        for c in pods.containers(pod):
            name = str(c.get("name", ""))
            key = (uid, name)
            if key in self.tasks or not pods.is_running(pod, name) or not runs_in_background(c):
                continue
            task = asyncio.get_running_loop().create_task(self._run(dict(pod), dict(c)))
            self.tasks[key] = task

    async def _run(self, pod: dict[str, Any], c: dict[str, Any]) -> None:
        name = str(c.get("name", ""))
        uid = pods.uid(pod)
        delay = TIMINGS.crash_back_off
        try:
            while True:
                ctx = sessions.container_context(self.store, pod, c)
                argv = servers.main_argv(c)
                program = find_program(ctx, argv[0])
                if program is None:
                    return  # the runtime cannot start it: not a process to run
                out = LogWriter(self.runtime, uid, name)
                io = IO(Pipe.of(""), out, out)
                with session_jobs() as jobs:  # the process's background jobs die with it
                    try:
                        code = await program(argv, io, dict(ctx.env), ctx.image.workdir)
                    finally:
                        end_jobs(jobs)
                out.flush()
                policy = (pod.get("spec") or {}).get("restartPolicy") or "Always"
                if policy == "Never" or (policy == "OnFailure" and code == 0):
                    lifecycle.main_process_exited(self.store, pod, name, code)
                    return
                self._write(pod, lambda p, d=delay, k=code: apply_back_off(p, name, k, d))
                await asyncio.sleep(delay)
                delay = min(delay * 2, TIMINGS.back_off_cap)
                pod = self._write(pod, lambda p: apply_restart(p, name))
        except asyncio.CancelledError:
            raise
        except errors.ApiError as exc:
            if exc.code != 404:
                log.error("main process of %s/%s: %s", pods.name(pod), name, exc.message)
        except Exception:
            log.exception("main process of %s/%s failed", pods.name(pod), name)
        finally:
            current = self.tasks.get((uid, name))
            if current is asyncio.current_task():
                del self.tasks[(uid, name)]

    def _write(self, pod: Mapping[str, Any], change: Any) -> dict[str, Any]:
        rt = self.store.registry.by_key(PODS)
        updated: dict[str, Any] = self.store.mutate(
            rt, pods.namespace(pod), pods.name(pod), change, subresource="status"
        )
        return updated


_RUNNERS: weakref.WeakKeyDictionary[Any, MainProcessRunner] = weakref.WeakKeyDictionary()


def ensure_runner(store: Any) -> MainProcessRunner | None:
    """The store's runner, started on first use (needs a running event loop and a real store)."""
    if not hasattr(store, "subscribe"):
        return None
    runner = _RUNNERS.get(store)
    if runner is None:
        runner = _RUNNERS[store] = MainProcessRunner(store)
        exec_workers.warm()  # exec sessions run in worker processes: have one ready
    runner.start()
    return runner


async def main_process_runner(store: Any) -> None:
    """Controller entry point: run main processes until cancelled."""
    runner = ensure_runner(store)
    try:
        await asyncio.Event().wait()
    finally:
        if runner is not None:
            runner.stop()
