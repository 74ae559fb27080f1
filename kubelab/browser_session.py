"""How `kubelab web` (`kubelab.web`) tells the app (`kubelab.tui`) that it runs for a browser tab:
the one thing the two share, so neither imports the other."""

from __future__ import annotations

import os
from collections.abc import Mapping

WEB_SESSION_ENV = "KUBELAB_WEB_SESSION"
TEXTUAL_DRIVER_ENV = "TEXTUAL_DRIVER"
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
# Settings textual reads once at import; a session's own children (the console's shell) must not
# inherit them, or a textual program run there would talk the web protocol to a terminal.
SESSION_ONLY = (WEB_SESSION_ENV, TEXTUAL_DRIVER_ENV, "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM")


def session_environment(base: Mapping[str, str], width: int, height: int) -> dict[str, str]:
    """The environment of one app process served by `kubelab web`."""
    environment = dict(base)
    environment[WEB_SESSION_ENV] = "1"
    environment[TEXTUAL_DRIVER_ENV] = WEB_DRIVER
    environment["TEXTUAL_FPS"] = "60"
    environment["TEXTUAL_COLOR_SYSTEM"] = "truecolor"
    environment["COLUMNS"] = str(width)
    environment["ROWS"] = str(height)
    return environment


def served_by_kubelab_web(environ: Mapping[str, str] | None = None) -> bool:
    """True in a process `kubelab web` started, whose terminal is textual's web driver."""
    env = os.environ if environ is None else environ
    return env.get(WEB_SESSION_ENV) == "1" and env.get(TEXTUAL_DRIVER_ENV) == WEB_DRIVER
