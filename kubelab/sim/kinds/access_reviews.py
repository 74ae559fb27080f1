"""`kubectl auth can-i` and `kubectl auth whoami`: SelfSubjectAccessReview and SelfSubjectReview.

Create-only and never stored (`ephemeral=True`): the answer is computed from the
request. The simulator has one user, the cluster admin (as kind's kubeconfig user), who may do
everything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubelab.sim.objects import Obj
from kubelab.sim.registry import ResourceType

if TYPE_CHECKING:
    from kubelab.sim.store import Store


ADMIN = {
    "username": "kubernetes-admin",
    "groups": ["kubeadm:cluster-admins", "system:authenticated"],
}


def _allow(obj: Obj, store: Store) -> None:
    obj["status"] = {"allowed": True, "reason": "the simulated cluster's admin may do everything"}


def _whoami(obj: Obj, store: Store) -> None:
    obj["status"] = {"userInfo": dict(ADMIN)}


SELF_SUBJECT_ACCESS_REVIEW = ResourceType(
    group="authorization.k8s.io",
    version="v1",
    kind="SelfSubjectAccessReview",
    plural="selfsubjectaccessreviews",
    singular="selfsubjectaccessreview",
    namespaced=False,
    verbs=("create",),
    defaults=_allow,
    ephemeral=True,
)

SELF_SUBJECT_REVIEW = ResourceType(
    group="authentication.k8s.io",
    version="v1",
    kind="SelfSubjectReview",
    plural="selfsubjectreviews",
    singular="selfsubjectreview",
    namespaced=False,
    verbs=("create",),
    defaults=_whoami,
    ephemeral=True,
)

TYPES = (SELF_SUBJECT_ACCESS_REVIEW, SELF_SUBJECT_REVIEW)
