"""Reading kubeconfig files and writing kubelab's own (never the user's ~/.kube/config)."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml

from kubelab.cluster.base import ClusterError
from kubelab.cluster.state import write_private

Config = dict[str, Any]


def load(path: Path) -> Config:
    # libyaml's safe loader where PyYAML has it: the TUI reads kubelab's kubeconfig a few times
    # on its way to "ready", and the pure-Python parser takes milliseconds per read
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise ClusterError(f"cannot read kubeconfig {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ClusterError(f"kubeconfig {path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ClusterError(f"kubeconfig {path} is not a kubeconfig (no mapping at the top)")
    return data


def save(path: Path, config: Config) -> None:
    write_private(path, yaml.safe_dump(config, sort_keys=False))


def _named(config: Config, section: str, name: str) -> dict[str, Any] | None:
    for entry in config.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry
    return None


def current_context(config: Config) -> str | None:
    value = config.get("current-context")
    return str(value) if value else None


def context_names(config: Config) -> list[str]:
    return [str(e.get("name")) for e in config.get("contexts") or [] if isinstance(e, dict)]


def context_namespace(config: Config, context: str) -> str | None:
    entry = _named(config, "contexts", context)
    if entry is None:
        return None
    value = (entry.get("context") or {}).get("namespace")
    return str(value) if value else None


def with_namespace(config: Config, context: str, namespace: str) -> Config:
    """A copy of `config` whose `context` uses `namespace` by default."""
    result = copy.deepcopy(config)
    entry = _named(result, "contexts", context)
    if entry is None:
        raise ClusterError(f"kubeconfig has no context {context!r}")
    entry.setdefault("context", {})["namespace"] = namespace
    return result


def point_context(path: Path, context: str, namespace: str) -> None:
    """Make `namespace` the default namespace of `context` in kubelab's own kubeconfig `path`,
    so kubectl typed without `-n` (the console, `kubelab shell`, `kubelab env`) lands there."""
    config = load(path)
    if context_namespace(config, context) != namespace:
        save(path, with_namespace(config, context, namespace))


_PATH_KEYS = {
    "clusters": ("certificate-authority",),
    "users": ("client-certificate", "client-key", "tokenFile"),
}


def extract_context(config: Config, context: str, namespace: str, base_dir: Path) -> Config:
    """A self-contained kubeconfig holding only `context` (its cluster and user), with
    `namespace` as the context's namespace and `current-context` set. Relative file paths in
    the source (relative to `base_dir`, the source file's folder) are made absolute."""
    entry = _named(config, "contexts", context)
    if entry is None:
        raise ClusterError(f"no context named {context!r}")
    ctx = copy.deepcopy(entry.get("context") or {})
    cluster = _named(config, "clusters", str(ctx.get("cluster")))
    if cluster is None:
        raise ClusterError(f"context {context!r} names cluster {ctx.get('cluster')!r}, not found")
    user = _named(config, "users", str(ctx.get("user"))) if ctx.get("user") else None
    cluster = copy.deepcopy(cluster)
    user = copy.deepcopy(user) if user is not None else None
    for section, item in (("clusters", cluster), ("users", user)):
        if item is None:
            continue
        body = item.get("cluster" if section == "clusters" else "user") or {}
        for key in _PATH_KEYS[section]:
            value = body.get(key)
            if isinstance(value, str) and value and not os.path.isabs(value):
                body[key] = str((base_dir / value).resolve())
    ctx["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [cluster],
        "users": [user] if user is not None else [],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
    }


def user_kubeconfig_files() -> list[Path]:
    """The user's kubeconfig files, as kubectl finds them ($KUBECONFIG or ~/.kube/config)."""
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def find_context(context: str) -> tuple[Path, Config]:
    """The user's kubeconfig file that defines `context`, and its contents (read only)."""
    seen: list[str] = []
    for path in user_kubeconfig_files():
        if not path.exists():
            continue
        config = load(path)
        names = context_names(config)
        seen.extend(names)
        if context in names:
            return path, config
    known = ", ".join(sorted(set(seen))) or "none"
    raise ClusterError(
        f"no kubeconfig context named {context!r} (contexts found: {known})",
        hint="list them with `kubectl config get-contexts`; pass --cluster context:NAME",
    )
