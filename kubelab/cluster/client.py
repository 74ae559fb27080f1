"""A thin layer over the official `kubernetes` client: plain dicts in and out, any resource type.

Paths come from API discovery (one request per group/version, cached per client), so every type
the server serves works the same way. API errors raise `ApiRejected` (the server answered no);
connection failures raise `ClusterUnreachable` (nothing answered).
"""

from __future__ import annotations

import copy
import json
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import urllib3
from kubernetes import config as kube_config
from kubernetes.client import Configuration
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from kubelab.cluster.api_errors import ApiRejected, rejected, short
from kubelab.cluster.base import ClusterError, ClusterUnreachable
from kubelab.cluster.pod_exec import Argv, ExecResult, ExecTimedOut, run_exec
from kubelab.cluster.watch_events import read_watch_events
from kubelab.objects import Obj

ObjList = list[Obj]

__all__ = ["ApiRejected", "ExecResult", "ExecTimedOut", "KubeClient"]

FIELD_MANAGER: Final = "kubelab"
CONNECTION_POOL_SIZE: Final = 32


@dataclass(frozen=True)
class _Resource:
    plural: str
    namespaced: bool


class KubeClient:
    """Talk to one cluster as one kubeconfig context, defaulting to the lab namespace."""

    def __init__(
        self,
        kubeconfig: Path,
        context: str | None = None,
        namespace: str = "default",
        *,
        request_timeout: float = 30.0,
    ) -> None:
        self.kubeconfig = Path(kubeconfig)
        self.context = context
        self.namespace = namespace
        self.request_timeout = request_timeout
        configuration: Any = type.__call__(Configuration)
        # a step's concurrent checks, the engine's watches and the TUI's share one client: the
        # default pool (5 connections per CPU) would discard connections on small machines
        configuration.connection_pool_maxsize = CONNECTION_POOL_SIZE
        try:
            self._api: Any = kube_config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=str(self.kubeconfig),
                context=context,
                persist_config=False,
                client_configuration=configuration,
            )
        except (ConfigException, OSError, ValueError) as exc:
            raise ClusterError(
                f"cannot use kubeconfig {self.kubeconfig}"
                + (f" (context {context})" if context else "")
                + f": {exc}",
                hint="run `kubelab up` to (re)create the lab cluster",
            ) from exc
        self.server: str = str(self._api.configuration.host)
        self._resources: dict[tuple[str, str], _Resource] = {}

    # -- plumbing -------------------------------------------------------------------------------

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> KubeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str | None = None,
        timeout: float | tuple[float, float] | None = None,
    ) -> Any:
        headers = {"Accept": "application/json"}
        if content_type is not None:
            headers["Content-Type"] = content_type
        elif body is not None:
            headers["Content-Type"] = "application/json"
        try:
            method, url, headers_out, body_out, post = self._api.param_serialize(
                method,
                path,
                query_params=query or None,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            return self._api.call_api(
                method,
                url,
                headers_out,
                body_out,
                post,
                _request_timeout=self.request_timeout if timeout is None else timeout,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterUnreachable(
                f"the cluster at {self.server} does not answer: {short(exc)}",
                hint="check it with `kubelab status`; `kubelab up` starts the lab cluster",
            ) from exc
        except ApiException as exc:  # status 0: TLS and other transport failures
            raise ClusterUnreachable(
                f"cannot reach the cluster at {self.server}: {exc.reason}",
                hint="check it with `kubelab status`",
            ) from exc

    def _json(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str | None = None,
    ) -> Any:
        response = self._send(method, path, query=query, body=body, content_type=content_type)
        data = response.read()
        if not 200 <= response.status <= 299:
            raise rejected(response.status, response.reason, data)
        if not data:
            return {}
        try:
            return json.loads(data)
        except ValueError as exc:
            raise ClusterError(
                f"the cluster at {self.server} answered {method} {path} with something that is "
                f"not JSON: {data[:200]!r}"
            ) from exc

    @staticmethod
    def _group_path(api_version: str) -> str:
        return f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"

    def _resource(self, api_version: str, kind: str) -> _Resource:
        key = (api_version, kind)
        if key not in self._resources:
            try:
                listing = self._json("GET", self._group_path(api_version))
            except ApiRejected as exc:
                if exc.status_code != 404:
                    raise
                listing = {}
            for entry in listing.get("resources") or []:
                if "/" in entry.get("name", ""):
                    continue
                self._resources[(api_version, entry.get("kind", ""))] = _Resource(
                    entry["name"], bool(entry.get("namespaced"))
                )
            if key not in self._resources:
                raise ApiRejected(
                    404,
                    "NotFound",
                    f'the server doesn\'t have a resource type "{kind}" in {api_version}',
                )
        return self._resources[key]

    def is_namespaced(self, api_version: str, kind: str) -> bool:
        """Whether objects of this type live in a namespace (ApiRejected 404 for an unknown
        type)."""
        return self._resource(api_version, kind).namespaced

    def _path(
        self, api_version: str, kind: str, namespace: str | None, name: str | None = None
    ) -> tuple[str, _Resource]:
        """The URL path of a collection or object; a name or namespace is always exactly one
        path segment (quoted), so `../other/...` in a name never reaches another object."""
        resource = self._resource(api_version, kind)
        path = self._group_path(api_version)
        if resource.namespaced and namespace != "":
            path += f"/namespaces/{_segment(namespace or self.namespace)}"
        path += f"/{resource.plural}"
        if name is not None:
            path += f"/{_segment(name)}"
        return path, resource

    # -- reading --------------------------------------------------------------------------------

    def version(self) -> Obj:
        """The server's /version answer (raises ClusterUnreachable when nothing answers)."""
        result: Obj = self._json("GET", "/version")
        return result

    def read_path(self, path: str) -> Obj:
        """GET a path of the API server outside the resource API (a JSON object)."""
        result = self._json("GET", path)
        if not isinstance(result, dict):
            raise ClusterError(f"the cluster at {self.server} answered GET {path} with no object")
        return result

    def is_reachable(self) -> bool:
        try:
            self.version()
        except ClusterError:
            return False
        return True

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Obj | None:
        """One object, or None when it does not exist."""
        path, _ = self._path(api_version, kind, namespace, name)
        try:
            obj: Obj = self._json("GET", path)
        except ApiRejected as exc:
            if exc.status_code == 404:
                return None
            raise
        return obj

    def list(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        label_selector: Mapping[str, str] | str | None = None,
        *,
        all_namespaces: bool = False,
        field_selector: str | None = None,
    ) -> ObjList:
        """Every matching object (each with apiVersion and kind filled in)."""
        path, _ = self._path(api_version, kind, "" if all_namespaces else namespace)
        query: list[tuple[str, str]] = [("limit", "500")]
        selector = _selector(label_selector)
        if selector:
            query.append(("labelSelector", selector))
        if field_selector:
            query.append(("fieldSelector", field_selector))
        items: ObjList = []
        while True:
            page = self._json("GET", path, query=query)
            for item in page.get("items") or []:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                items.append(item)
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items
            query = [q for q in query if q[0] != "continue"] + [("continue", token)]

    # -- writing --------------------------------------------------------------------------------

    def _target(self, obj: Mapping[str, Any], namespace: str | None) -> tuple[str, Obj]:
        try:
            api_version = str(obj["apiVersion"])
            kind = str(obj["kind"])
            name = str(obj["metadata"]["name"])
        except (KeyError, TypeError) as exc:
            raise ClusterError(
                f"a manifest object needs apiVersion, kind and metadata.name: {dict(obj)!r:.200}"
            ) from exc
        body: Obj = copy.deepcopy(dict(obj))
        resource = self._resource(api_version, kind)
        target_ns = None
        if resource.namespaced:
            target_ns = body["metadata"].get("namespace") or namespace or self.namespace
            body["metadata"]["namespace"] = target_ns
        path, _ = self._path(api_version, kind, target_ns, name)
        return path, body

    def apply(self, obj: Mapping[str, Any], namespace: str | None = None) -> Obj:
        """Server-side apply (fieldManager "kubelab", force): create or update to match `obj`.

        A server without server-side apply (415) gets create, or a JSON merge patch of `obj`
        onto the live object (fields `obj` leaves out are kept, as apply keeps others' fields).
        """
        path, body = self._target(obj, namespace)
        try:
            result: Obj = self._json(
                "PATCH",
                path,
                query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                body=body,
                content_type="application/apply-patch+yaml",
            )
        except ApiRejected as exc:
            if exc.status_code != 415:
                raise
        else:
            return result
        try:
            return self.create(body)
        except ApiRejected as exc:
            if exc.status_code != 409:
                raise
        merged: Obj = self._json(
            "PATCH",
            path,
            query=[("fieldManager", FIELD_MANAGER)],
            body=body,
            content_type="application/merge-patch+json",
        )
        return merged

    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> Obj:
        """Create `obj` (409 AlreadyExists raises ApiRejected)."""
        path, body = self._target(obj, namespace)
        collection = path.rsplit("/", 1)[0]
        result: Obj = self._json(
            "POST", collection, query=[("fieldManager", FIELD_MANAGER)], body=body
        )
        return result

    def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Obj,
        namespace: str | None = None,
        *,
        patch_type: str = "application/merge-patch+json",
    ) -> Obj:
        """Patch one object (JSON merge patch by default)."""
        path, _ = self._path(api_version, kind, namespace, name)
        result: Obj = self._json(
            "PATCH",
            path,
            query=[("fieldManager", FIELD_MANAGER)],
            body=patch,
            content_type=patch_type,
        )
        return result

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        grace_period_seconds: int | None = None,
    ) -> bool:
        """Delete one object (background propagation; `grace_period_seconds=0` removes a pod at
        once). False when it did not exist."""
        path, _ = self._path(api_version, kind, namespace, name)
        options: Obj = {"propagationPolicy": "Background"}
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        try:
            self._json("DELETE", path, body=options)
        except ApiRejected as exc:
            if exc.status_code == 404:
                return False
            raise
        return True

    def ensure_namespace(
        self, name: str, labels: Mapping[str, str] | None = None, *, vetted: bool = False
    ) -> Obj:
        """The namespace `name`, created with `labels` when missing. An existing one is used only
        if it carries `labels` (kubelab's label says kubelab made it): one created meanwhile by
        someone else, say while a consent prompt was open, is never adopted (ClusterError).
        `vetted`: the lab namespace the provider already accepted (on a borrowed context only a
        labelled one; on kubelab's own cluster it may be `default`), used as it is."""
        existing = self.get("v1", "Namespace", name)
        if existing is not None:
            return existing if vetted else self._ours(existing, name, labels)
        body: Obj = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": dict(labels or {})},
        }
        try:
            return self.create(body)
        except ApiRejected as exc:
            if exc.status_code != 409:
                raise
        again = self.get("v1", "Namespace", name)
        if again is None:
            raise ClusterError(f"namespace {name} exists and vanished again; try again")
        return again if vetted else self._ours(again, name, labels)

    @staticmethod
    def _ours(namespace: Obj, name: str, labels: Mapping[str, str] | None) -> Obj:
        have = (namespace.get("metadata") or {}).get("labels") or {}
        missing = {k: v for k, v in (labels or {}).items() if have.get(k) != v}
        if missing:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(missing.items()))
            raise ClusterError(
                f"namespace {name} exists and was not created by kubelab (it lacks the label "
                f"{shown}); kubelab will not use it",
                hint="pick another with --namespace NAME",
            )
        return namespace

    def delete_namespace(self, name: str) -> bool:
        return self.delete("v1", "Namespace", name)

    # -- exec and watch -------------------------------------------------------------------------

    def exec(
        self,
        pod: str,
        command: Argv,
        namespace: str | None = None,
        container: str | None = None,
        timeout: float = 30.0,
    ) -> ExecResult:
        """Run `command` (no shell) in a pod's container and collect its exit code and output.

        Thread-safe: `kubernetes.stream.stream()` swaps its ApiClient's `call_api` while the
        exec connects, so each exec goes through an ApiClient of its own (sharing the
        configuration, not the connection pool) and never through the one other requests use.
        """
        from kubernetes.client import ApiClient

        dedicated: Any = ApiClient(self._api.configuration)
        try:
            return run_exec(
                dedicated,
                self.server,
                pod,
                command,
                namespace or self.namespace,
                container,
                timeout,
            )
        finally:
            dedicated.close()

    def watch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None = None,
        resource_version: str | None = None,
        timeout_seconds: int = 60,
        *,
        label_selector: Mapping[str, str] | str | None = None,
        all_namespaces: bool = False,
    ) -> Iterator[Obj]:
        """Watch events ({"type": ADDED|MODIFIED|DELETED|BOOKMARK, "object": {...}}) until the
        server ends the watch (after `timeout_seconds`) or the caller stops iterating."""
        path, _ = self._path(api_version, kind, "" if all_namespaces else namespace)
        query = [("watch", "true"), ("timeoutSeconds", str(int(timeout_seconds)))]
        if resource_version:
            query.append(("resourceVersion", resource_version))
        selector = _selector(label_selector)
        if selector:
            query.append(("labelSelector", selector))
        response = self._send(
            "GET", path, query=query, timeout=(10.0, float(timeout_seconds) + 10.0)
        )
        yield from read_watch_events(response, kind, self.server)


def _segment(text: str) -> str:
    """`text` as one URL path segment. `.` and `..` are refused: no quoting keeps a client or
    proxy from reading them as "this" and "the parent" directory."""
    if text in ("", ".", ".."):
        raise ClusterError(f"{text!r} is not a valid object or namespace name")
    return urllib.parse.quote(text, safe="")


def _selector(label_selector: Mapping[str, str] | str | None) -> str:
    if label_selector is None:
        return ""
    if isinstance(label_selector, str):
        return label_selector
    return ",".join(f"{key}={value}" for key, value in label_selector.items())
