"""Watch threads for the lesson namespace: every event becomes a `ClusterEvent` message.

Each kind gets a daemon thread looping over short watches (so it notices `stop` soon and
recovers from dropped connections). A watch resumes from the last resourceVersion seen; when it
cannot, it posts a resync marker and starts over (a watch without a resourceVersion begins by
sending every existing object as ADDED).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from kubelab.tui.messages import ClusterEvent

if TYPE_CHECKING:
    from textual.message import Message

    from kubelab.cluster.base import LabCluster
    from kubelab.tui.services import Grader

WATCH_SECONDS = 20
RETRY_SECONDS = 1.0


class NamespaceWatcher:
    def __init__(
        self,
        grader: Grader,
        cluster: LabCluster,
        namespace: str,
        kinds: tuple[tuple[str, str], ...],
        post: Callable[[Message], object],
    ) -> None:
        self._grader = grader
        self._cluster = cluster
        self._namespace = namespace
        self._kinds = kinds
        self._post = post
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.errors: list[str] = []

    def start(self) -> None:
        for api_version, kind in self._kinds:
            thread = threading.Thread(
                target=self._run, args=(api_version, kind), name=f"watch-{kind}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self, api_version: str, kind: str) -> None:
        from kubelab.cluster.base import ClusterError
        from kubelab.cluster.watch_events import follow_watch

        resource_version: str | None = None
        while not self._stop.is_set():
            try:
                if resource_version is None:
                    self._post(ClusterEvent(kind, None))
                events = self._grader.watch(
                    self._cluster,
                    self._namespace,
                    api_version,
                    kind,
                    WATCH_SECONDS,
                    resource_version,
                )
                resource_version = follow_watch(
                    events,
                    resource_version,
                    self._stop,
                    lambda event: self._post(ClusterEvent(kind, event)),
                )
            except Exception as exc:  # a watch thread outlives any one failure
                # e.g. 410 Gone (the version is too old): start over with a resync. The failure
                # is shown at the foot of the map, never dropped.
                resource_version = None
                message = exc.message if isinstance(exc, ClusterError) else repr(exc)
                self.errors.append(f"{kind}: {message}")
                del self.errors[:-5]
                self._stop.wait(RETRY_SECONDS)
