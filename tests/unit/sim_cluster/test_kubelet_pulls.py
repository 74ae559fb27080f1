"""The kubelet's image pulls as events: every pull it makes is announced with `Pulling image`
before its outcome (`Successfully pulled image` or `Failed to pull image`), as the kubelet's
image manager does (pkg/kubelet/images/image_manager.go, EnsureImageExists), whichever of its
work items sees a changed image first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from kubelab.sim.bootstrap import bootstrap
from kubelab.sim.controllers.base import PODS, rt
from kubelab.sim.controllers.kubelet import Kubelet
from kubelab.sim.registry import load_registry
from kubelab.sim.store import Store, WatchEvent

Obj = dict[str, Any]
NODE = "kubelab-worker"
FIXED = "curlimages/curl:8.16.0"


@pytest.fixture
def store() -> Iterator[Store]:
    made = Store(load_registry(), None)
    bootstrap(made)
    yield made


def stuck_pod(store: Store) -> Obj:
    """A pod bound to NODE whose image cannot be pulled."""
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "curl", "namespace": "default"},
        "spec": {
            "nodeName": NODE,
            "containers": [
                {"name": "curl", "image": "radial/busyboxplus:curl", "command": ["sleep", "9"]}
            ],
        },
    }
    created: Obj = store.create(rt(store, PODS), pod, namespace="default")
    return created


def set_image(store: Store, image: str) -> list[WatchEvent]:
    """`kubectl set image pod/curl curl=IMAGE`; the watch events it causes."""
    seen: list[WatchEvent] = []
    unsubscribe = store.subscribe(seen.append, {PODS})
    try:
        store.mutate(
            rt(store, PODS),
            "default",
            "curl",
            lambda p: p["spec"]["containers"][0].update(image=image),
        )
    finally:
        unsubscribe()
    return seen


def events(store: Store) -> list[str]:
    """The pod's events (reason and message), in the order they were recorded."""
    listed = store.list(rt(store, "/events"), "default").items
    mine = [e for e in listed if e["involvedObject"]["name"] == "curl"]
    mine.sort(key=lambda e: e["metadata"]["name"])  # <object>.<hex nanoseconds>
    return [f"{e['reason']}: {e['message']}" for e in mine]


# The tests are coroutines because the kubelet sets its timers on the running event loop; they
# call its reconciles themselves, in the order each test needs, and never run its queue.


def stage(kubelet: Kubelet, store: Store) -> str:
    pod = store.try_get(rt(store, PODS), "default", "curl")
    assert pod is not None
    return kubelet.pods.progress[str(pod["metadata"]["uid"])].stage


async def test_an_image_changed_while_a_retry_is_due_is_announced_before_it_is_pulled(
    store: Store,
) -> None:
    kubelet = Kubelet(store)
    stuck_pod(store)
    item = ("default", "curl")
    kubelet.reconcile(item)  # ContainerCreating, pulling the image that cannot be pulled
    kubelet.reconcile(item)  # ErrImagePull
    kubelet.reconcile(item)  # ImagePullBackOff
    kubelet.reconcile(item)  # the back-off is over: pulling again
    assert stage(kubelet, store) == "creating"
    changed = set_image(store, FIXED)
    # the retry's timer comes before the image change in the kubelet's queue
    kubelet.reconcile(item)
    for event in changed:
        for queued in kubelet.items_for(event):
            kubelet.reconcile(queued)
    recorded = events(store)
    pulling = f'Pulling: Pulling image "{FIXED}"'
    assert pulling in recorded, recorded
    pulled = [
        i
        for i, e in enumerate(recorded)
        if e.startswith(f'Pulled: Successfully pulled image "{FIXED}"')
    ]
    assert pulled and recorded.index(pulling) < pulled[0], recorded
    assert recorded[-2:] == ["Created: Created container: curl", "Started: Started container curl"]


async def test_an_image_already_on_the_node_is_not_pulled_again(store: Store) -> None:
    kubelet = Kubelet(store)
    kubelet.pods.pulled[NODE] = {FIXED}
    stuck_pod(store)
    item = ("default", "curl")
    for _ in range(4):
        kubelet.reconcile(item)
    changed = set_image(store, FIXED)
    kubelet.reconcile(item)
    for event in changed:
        for queued in kubelet.items_for(event):
            kubelet.reconcile(queued)
    recorded = events(store)
    assert f'Pulling: Pulling image "{FIXED}"' not in recorded, recorded
    present = f'Pulled: Container image "{FIXED}" already present on machine'
    assert any(e.startswith(present) for e in recorded), recorded
