"""`kubelab` with no subcommand: check what can be checked up front, then run the app."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import click

EXIT_ERROR = 2


def preflight(*, cluster: str | None, namespace: str | None, lessons: Path | None) -> str | None:
    """What makes the lab unable to start, found before it starts (None when nothing does)."""
    from kubelab.cluster.base import ClusterError
    from kubelab.cluster.select import check_cluster_options
    from kubelab.lessons.problems import CourseNotFound
    from kubelab.tui.keys import KeymapError, keymap_from_env

    try:
        keymap_from_env()
        if lessons is not None:
            from kubelab.lessons.loader import course_root_for

            course_root_for(lessons)
        check_cluster_options(cluster, namespace)
    except (KeymapError, CourseNotFound, ClusterError) as exc:
        return str(exc)
    return None


def launch(
    *,
    cluster: str | None = None,
    namespace: str | None = None,
    yes: bool = False,
    lessons: Path | None = None,
) -> int:
    """Run the TUI; the exit code (2 for a usage problem found before it starts)."""
    from kubelab.browser_session import SESSION_ONLY, served_by_kubelab_web
    from kubelab.tui.keys import keymap_from_env

    problem = preflight(cluster=cluster, namespace=namespace, lessons=lessons)
    if problem is not None:
        click.echo(f"kubelab: {problem}", err=True)
        return EXIT_ERROR
    keymap = keymap_from_env()
    # `kubelab web` runs the app on textual's web driver, whose terminal is the browser
    in_browser = served_by_kubelab_web()
    if not in_browser and (not sys.stdin.isatty() or not sys.stdout.isatty()):
        click.echo(
            "kubelab: the lab is a terminal UI and needs a terminal; for scripts use "
            "`kubelab grade`, `kubelab lessons` or `kubelab --help`",
            err=True,
        )
        return EXIT_ERROR
    from kubelab.tui.app import create_app

    if in_browser:
        # textual has read them (at import); the console's shell must not inherit them
        for name in SESSION_ONLY:
            os.environ.pop(name, None)
    app = create_app(
        cluster=cluster,
        namespace=namespace,
        yes=yes,
        lessons=lessons,
        keymap=keymap,
        in_browser=in_browser,
    )
    code = app.run()
    result = 0 if code is None else int(code)
    busy = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    if busy:
        # a grading still waiting on the cluster (its checks' timeouts) would hold the exit:
        # the learner asked to quit, and everything worth keeping is already saved atomically
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(result)
    return result
