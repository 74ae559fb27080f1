"""Where the console's shell starts and what it sees: the course's workspace folder and the
environment `kubelab shell` gives, with the lesson's namespace in the kubeconfig context.

The namespace comes from a small kubeconfig of the console's own, listed first in KUBECONFIG
before the lab cluster's: it defines the context `kubelab-console` (the lab context's cluster and
user, the lesson's namespace) and makes it current. kubectl merges the files on every run, so
pointing the console at another lesson's namespace is one rewrite of that file; the lab's
kubeconfig (credentials and all) stays where the provider keeps it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster

CONSOLE_CONTEXT = "kubelab-console"


def workspace_dir(course_root: Path, bundled: bool) -> Path:
    """The course's workspace folder under the state dir (created): `workspace/kubelab` for the
    bundled course, `workspace/<course folder's name>` for a course given with `--lessons`
    (short and predictable: the learner types it)."""
    from kubelab.cluster.state import state_dir

    if bundled:
        name = "kubelab"
    else:
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", course_root.resolve().name).strip("-.")
        name = f"course-{name}" if name in ("", "kubelab") else name
    path = state_dir() / "workspace" / name
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def shown_path(path: Path, home: str | None = None) -> str:
    """`path` as the learner would type it: `~/...` under their home."""
    home = home if home is not None else os.environ.get("HOME")
    if home:
        try:
            return "~/" + str(path.relative_to(home)) if path != Path(home) else "~"
        except ValueError:
            pass  # not under the home folder: shown in full
    return str(path)


def lab_context(kubeconfig: Path, context: str) -> dict[str, Any]:
    """The `context:` mapping of `context` in `kubeconfig` (cluster and user names)."""
    from kubelab.cluster.base import ClusterError

    try:
        config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ClusterError(
            f"cannot read the lab kubeconfig {kubeconfig}: {exc}",
            hint="`kubelab status` checks the cluster; `kubelab up` provisions it again",
        ) from exc
    for entry in config.get("contexts") or [] if isinstance(config, dict) else []:
        if isinstance(entry, dict) and entry.get("name") == context:
            found = entry.get("context")
            if isinstance(found, dict):
                return {k: found[k] for k in ("cluster", "user") if k in found}
    raise ClusterError(
        f"the lab kubeconfig {kubeconfig} has no context {context!r}",
        hint="`kubelab up` provisions the cluster again",
    )


def console_kubeconfig(path: Path, cluster: LabCluster, namespace: str) -> None:
    """(Re)write the console's own kubeconfig: the lab context with `namespace`, made current."""
    from kubelab.cluster.state import write_private

    context = {**lab_context(cluster.kubeconfig, cluster.context), "namespace": namespace}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": CONSOLE_CONTEXT,
        "contexts": [{"name": CONSOLE_CONTEXT, "context": context}],
    }
    write_private(path, yaml.safe_dump(config, sort_keys=False))


def console_kubeconfig_path() -> Path:
    """This process's console kubeconfig (two kubelabs at once each point at their lesson).
    Those of kubelabs that are gone (killed before they could remove theirs) are removed."""
    from kubelab.cluster.process import pid_alive
    from kubelab.cluster.state import state_dir

    folder = state_dir() / "console"
    if folder.is_dir():
        for path in folder.glob("kubeconfig-*.yaml"):
            pid = path.stem.removeprefix("kubeconfig-")
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                path.unlink(missing_ok=True)
    return folder / f"kubeconfig-{os.getpid()}.yaml"


def shell_env(
    cluster: LabCluster, overlay: Path, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`kubelab shell`'s environment (kubelab's kubectl first on PATH), with KUBECONFIG listing
    the console's kubeconfig before the lab's, and a terminal type the console emulates."""
    from kubelab.cluster.kubectl import kubectl_env

    env = kubectl_env(cluster.kubeconfig, base)
    env["KUBECONFIG"] = os.pathsep.join([str(overlay), str(cluster.kubeconfig)])
    env["KUBELAB_SHELL"] = "1"
    env["TERM"] = "xterm-256color"
    env.pop("COLUMNS", None)  # the pty's size is the truth; stale values would override it
    env.pop("LINES", None)
    return env
