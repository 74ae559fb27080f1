"""kubelab's own files: the state dir (kubeconfigs, the simulator's pid and log, the remembered
cluster) and the user's config file (the default `--cluster`).

The state dir is platformdirs' user state dir for "kubelab"; `KUBELAB_STATE_DIR` overrides it
(tests always set it). The config file is `config.toml` in the user config dir, or the file named
by `KUBELAB_CONFIG`: `cluster = "sim"` and optionally `namespace = "kubelab-alice"`.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from kubelab.cluster.base import ClusterError
from kubelab.files import write_atomic

STATE_ENV = "KUBELAB_STATE_DIR"
CONFIG_ENV = "KUBELAB_CONFIG"
CLUSTER_ENV = "KUBELAB_CLUSTER"


def state_dir() -> Path:
    """kubelab's state directory (created on first use, private to the user)."""
    override = os.environ.get(STATE_ENV)
    path = Path(override) if override else Path(platformdirs.user_state_dir("kubelab"))
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise ClusterError(
            f"cannot create the state dir {path}: {exc.strerror or exc}",
            hint=f"set {STATE_ENV} to a folder you can write",
        ) from exc
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically with mode 0600 (kubeconfigs hold credentials)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, text, mode=0o600)


@dataclass(frozen=True)
class Remembered:
    """The cluster `kubelab up` provisioned last: what later commands act on by default."""

    spec: str
    namespace: str | None = None
    confirmed: bool = False


def _remembered_path() -> Path:
    return state_dir() / "cluster.json"


def remembered() -> Remembered | None:
    path = _remembered_path()
    if not path.exists():
        return None
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return Remembered(
            spec=str(data["spec"]),
            namespace=data.get("namespace"),
            confirmed=bool(data.get("confirmed", False)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ClusterError(
            f"kubelab's remembered cluster file {path} is damaged: {exc}",
            hint=f"delete it ({path}) and run `kubelab up` again",
        ) from exc


def remember(entry: Remembered) -> None:
    write_private(_remembered_path(), json.dumps(asdict(entry), indent=2) + "\n")


def forget(spec: str | None = None) -> None:
    """Forget the remembered cluster (only if it is `spec`, when given)."""
    current = remembered()
    if current is not None and (spec is None or current.spec == spec):
        _remembered_path().unlink(missing_ok=True)


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir("kubelab")) / "config.toml"


def config() -> dict[str, Any]:
    """The user's config file as a dict ({} when there is none)."""
    path = config_path()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise ClusterError(f"cannot read kubelab's config file {path}: {exc}") from exc
