"""The borrowed-context provider: an existing kubeconfig context (a classroom or shared cluster).

Safety rules: kubelab never edits the user's kubeconfig (it writes its own copy holding only that
context, with the lab namespace set); it changes nothing before the user confirms (a prompt, or
`--yes`; with no terminal and no `--yes` it refuses); it works only in a namespace it created and
labelled `app.kubernetes.io/managed-by=kubelab`; teardown deletes only that labelled namespace.
"""

from __future__ import annotations

import getpass
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from kubelab.cluster import kubeconfig as kc
from kubelab.cluster.base import (
    LAB_LABEL,
    MANAGED_BY_LABEL,
    MANAGED_BY_VALUE,
    ClusterError,
    ClusterStatus,
    Confirm,
    ConfirmationRequired,
    LabCluster,
    Progress,
    Provider,
    ProviderOptions,
    no_progress,
    not_up,
)
from kubelab.cluster.state import state_dir
from kubelab.objects import Obj

if TYPE_CHECKING:
    from kubelab.cluster.client import KubeClient

MISSING_REASONS = {
    "loadbalancer": "kubelab cannot tell whether a borrowed cluster provides LoadBalancers",
    "nodeport-from-host": "kubelab cannot tell whether this machine reaches a borrowed "
    "cluster's nodes",
    "multi-node": "the borrowed cluster has a single node (or kubelab may not list nodes)",
}
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def default_namespace() -> str:
    """`kubelab-<user>`, the user name folded into a valid namespace name."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "learner"
    folded = re.sub(r"[^a-z0-9-]+", "-", user.lower()).strip("-") or "learner"
    return f"kubelab-{folded}"[:63].rstrip("-")


def is_managed(namespace: Obj | None) -> bool:
    labels = ((namespace or {}).get("metadata") or {}).get("labels") or {}
    return bool(labels.get(MANAGED_BY_LABEL) == MANAGED_BY_VALUE)


def refuse_unasked(question: str) -> bool:
    """The default answer where nobody can be asked: refuse (ConfirmationRequired, exit 2). The
    commands ask on the terminal instead; the full-screen app asks in its own dialog, then passes
    yes=True."""
    raise ConfirmationRequired(
        "kubelab would change a cluster it did not create, and there is no terminal to ask",
        hint="pass --yes to confirm",
        question=question,
    )


class ContextProvider(Provider):
    kind = "context"

    def __init__(
        self,
        context: str,
        *,
        namespace: str | None = None,
        yes: bool = False,
        confirm: Confirm = refuse_unasked,
    ) -> None:
        self.context = context
        self.namespace = namespace or default_namespace()
        if not _DNS_LABEL.match(self.namespace) or len(self.namespace) > 63:
            raise ClusterError(
                f"{self.namespace!r} is not a valid namespace name",
                hint="use lower-case letters, digits and '-', at most 63 characters",
            )
        self.yes = yes
        self.confirm = confirm
        digest = hashlib.sha256(context.encode()).hexdigest()[:10]
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", context)[:40]
        self.dir = state_dir() / "contexts" / f"{safe}-{digest}"
        self.kubeconfig = self.dir / f"{self.namespace}.kubeconfig"
        self._capabilities: frozenset[str] = frozenset()

    @classmethod
    def from_spec(cls, name: str, options: ProviderOptions) -> ContextProvider:
        if not name:
            raise ClusterError(
                "--cluster context:NAME needs a context name",
                hint="list them with `kubectl config get-contexts`",
            )
        return cls(
            name,
            namespace=options.namespace,
            yes=options.yes,
            confirm=options.confirm or refuse_unasked,
        )

    @property
    def name(self) -> str:
        return self.context

    @property
    def capabilities(self) -> frozenset[str]:
        """None declared up front: a borrowed cluster's LoadBalancer and NodePort reachability
        are unknown, so steps needing them are skipped; multi-node is found when provisioning."""
        return self._capabilities

    def _write_kubeconfig(self) -> None:
        source, config = kc.find_context(self.context)
        own = kc.extract_context(config, self.context, self.namespace, source.parent)
        kc.save(self.kubeconfig, own)

    def _cluster(self) -> LabCluster:
        return LabCluster(
            provider=self.kind,
            name=self.name,
            kubeconfig=self.kubeconfig,
            context=self.context,
            namespace=self.namespace,
            capabilities=self.capabilities,
            missing_reasons=MISSING_REASONS,
        )

    def _client(self) -> KubeClient:
        from kubelab.cluster.client import KubeClient

        return KubeClient(self.kubeconfig, self.context, self.namespace)

    def provision(self, progress: Progress = no_progress) -> LabCluster:
        self._write_kubeconfig()
        with self._client() as client:
            progress(f"checking context {self.context} ({client.server})")
            client.version()
            existing = client.get("v1", "Namespace", self.namespace)
            if existing is not None and not is_managed(existing):
                raise ClusterError(
                    f"namespace {self.namespace} exists in context {self.context} and was not "
                    f"created by kubelab (it lacks the label "
                    f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}); kubelab will not work in it",
                    hint="pick another with --namespace NAME",
                )
            if not self.yes:
                question = (
                    f"kubelab will create and use namespace {self.namespace} in context "
                    f"{self.context} ({client.server}), and one namespace per lesson named "
                    f"{self.namespace}-LESSON. Continue?"
                )
                if not self.confirm(question):
                    raise ConfirmationRequired(
                        "not confirmed: nothing was changed", hint="pass --yes to confirm"
                    )
            if existing is None:
                progress(f"creating namespace {self.namespace}")
                client.ensure_namespace(self.namespace, {MANAGED_BY_LABEL: MANAGED_BY_VALUE})
            else:
                progress(f"reusing namespace {self.namespace}")
            self._capabilities = self._find_capabilities(client, progress)
        return self._cluster()

    def attach(self, progress: Progress = no_progress) -> LabCluster:
        """The lab namespace `kubelab up` created in the context; changes nothing there (and so
        asks no confirmation)."""
        self._write_kubeconfig()
        with self._client() as client:
            progress(f"checking context {self.context} ({client.server})")
            client.version()
            existing = client.get("v1", "Namespace", self.namespace)
            if existing is None:
                raise not_up(
                    self.spec,
                    f"namespace {self.namespace} does not exist in context {self.context}",
                    up_options=f" --namespace {self.namespace}",
                )
            if not is_managed(existing):
                raise ClusterError(
                    f"namespace {self.namespace} in context {self.context} was not created by "
                    "kubelab; kubelab will not use it",
                    hint="pick another with --namespace NAME",
                )
            self._capabilities = self._find_capabilities(client, progress)
        return self._cluster()

    def _find_capabilities(self, client: KubeClient, progress: Progress) -> frozenset[str]:
        capabilities: set[str] = set()
        try:
            if len(client.list("v1", "Node")) > 1:
                capabilities.add("multi-node")
        except ClusterError as exc:
            progress(f"cannot list nodes ({exc.message}); assuming a single node")
        return frozenset(capabilities)

    def existing_kubeconfig(self) -> Path | None:
        """Written by `provision` (after confirmation), removed by `teardown`."""
        return self.kubeconfig if self.kubeconfig.exists() else None

    def status(self) -> ClusterStatus:
        """The context as it is. The kubeconfig written to look is kept only when the lab
        namespace turns out to be kubelab's (so `kubelab env`/`shell` never take a context
        that was merely looked at for a provisioned one)."""
        wrote = not self.kubeconfig.exists()
        if wrote:
            try:
                self._write_kubeconfig()
            except ClusterError as exc:
                return ClusterStatus(
                    provider=self.kind, name=self.name, provisioned=False, problems=[exc.message]
                )
        from kubelab.cluster.status import collect_status

        managed = False
        try:
            status = collect_status(self._cluster(), provisioned=True, all_namespaces=False)
            if status.api_reachable:
                with self._client() as client:
                    namespace = client.get("v1", "Namespace", self.namespace)
                managed = is_managed(namespace)
                if namespace is None:
                    status.provisioned = False
                    status.problems.append(
                        f"namespace {self.namespace} does not exist yet; `kubelab up` creates it"
                    )
                elif not managed:
                    status.problems.append(
                        f"namespace {self.namespace} was not created by kubelab; "
                        "kubelab will not use it"
                    )
        finally:
            if wrote and not managed:
                self.kubeconfig.unlink(missing_ok=True)
        return status

    def teardown(self, progress: Progress = no_progress) -> None:
        """Delete the lab namespace and its lessons' namespaces, only if they carry kubelab's
        label; nothing else."""
        if not self.kubeconfig.exists():
            self._write_kubeconfig()
        with self._client() as client:
            namespace = client.get("v1", "Namespace", self.namespace)
            if namespace is None:
                progress(f"namespace {self.namespace} does not exist; nothing to delete")
            elif not is_managed(namespace):
                raise ClusterError(
                    f"namespace {self.namespace} was not created by kubelab (no "
                    f"{MANAGED_BY_LABEL}={MANAGED_BY_VALUE} label): kubelab deletes nothing in it",
                )
            else:
                if not self.yes and not self.confirm(
                    f"delete namespace {self.namespace} and everything in it "
                    f"from context {self.context}?"
                ):
                    raise ConfirmationRequired(
                        "not confirmed: nothing was deleted", hint="pass --yes to confirm"
                    )
                for lesson in self._lesson_namespaces(client, progress):
                    progress(f"deleting namespace {lesson}")
                    client.delete_namespace(lesson)
                progress(f"deleting namespace {self.namespace}")
                client.delete_namespace(self.namespace)
        self.kubeconfig.unlink(missing_ok=True)

    def _lesson_namespaces(self, client: KubeClient, progress: Progress) -> list[str]:
        """The namespaces this lab's lessons ran in: kubelab's, labelled with this lab (none,
        with a notice, where this user may not list namespaces)."""
        from kubelab.cluster.api_errors import ApiRejected

        selector = {MANAGED_BY_LABEL: MANAGED_BY_VALUE, LAB_LABEL: self.namespace}
        try:
            found = client.list("v1", "Namespace", None, selector, all_namespaces=True)
        except ApiRejected as exc:
            progress(
                f"cannot list the lessons' namespaces ({exc.message}); delete those named "
                f"{self.namespace}-LESSON yourself"
            )
            return []
        return [str(ns["metadata"]["name"]) for ns in found]
