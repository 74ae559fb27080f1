"""The lesson's console: the learner's shell started in the course's workspace, with kubectl
pointed at the lab cluster through a kubeconfig of the console's own (at the lesson's namespace
once the lesson has started), and that file deleted when the lesson closes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kubelab.cluster.base import LabCluster
    from kubelab.lessons.loader import Course
    from kubelab.tui.widgets.console import Console


class LessonConsole:
    """Starts one lesson screen's shell and keeps its kubeconfig. What goes wrong is shown in the
    console as a notice (the lesson goes on without a shell, or with kubectl in the cluster's
    namespace)."""

    def __init__(self, cluster: LabCluster) -> None:
        self.cluster = cluster
        self.console: Console | None = None
        self.config: Path | None = None
        """The console's kubeconfig, once written."""

    def start(self, console: Console, course: Course | None) -> None:
        """The shell in the course's workspace, kubectl at the lab cluster's namespace."""
        from kubelab.cluster.base import ClusterError
        from kubelab.tui.shell_session import ShellStartError, shell_program
        from kubelab.tui.workspace import (
            console_kubeconfig,
            console_kubeconfig_path,
            shell_env,
            shown_path,
            workspace_dir,
        )

        self.console = console
        try:
            workspace = workspace_dir(course.root if course else Path.cwd(), _bundled(course))
            config = console_kubeconfig_path()
            console_kubeconfig(config, self.cluster, self.cluster.namespace)
            self.config = config
            env = shell_env(self.cluster, config)
            program = shell_program(env)
        except (ClusterError, ShellStartError, OSError) as exc:
            message = exc.message if isinstance(exc, ClusterError) else str(exc)
            console.terminal.show_notice(f"the console cannot start: {message}")
            return
        shown = shown_path(workspace)
        console.start([program], env, workspace, shown, self.cluster.namespace)
        console.terminal.show_notice(
            f"your shell, in the workspace {shown}; kubectl uses the lab cluster"
        )

    def point(self, namespace: str) -> None:
        """kubectl in the console now works in `namespace` (the lesson's)."""
        from kubelab.cluster.base import ClusterError
        from kubelab.tui.workspace import console_kubeconfig

        if self.console is None or self.config is None:
            return
        try:
            console_kubeconfig(self.config, self.cluster, namespace)
        except (ClusterError, OSError) as exc:
            message = exc.message if isinstance(exc, ClusterError) else str(exc)
            self.console.terminal.show_notice(
                f"kubectl stays in {self.cluster.namespace}: {message}"
            )
            return
        self.console.set_namespace(namespace)

    def close(self) -> None:
        """Delete the console's kubeconfig (the shell is stopped with the console)."""
        if self.config is not None:
            self.config.unlink(missing_ok=True)


def _bundled(course: Course | None) -> bool:
    from kubelab.lessons.loader import bundled_course_root

    return course is None or course.root.resolve() == bundled_course_root().resolve()
