"""The `kubelab` command line.

Every subcommand lives in its own module and is imported only when it runs, so `kubelab --help`
stays instant: `COMMANDS` maps a command name to `"module:attribute"` of a click command.
A command that does not work yet is not listed here: no stubs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from kubelab import __version__

# name -> (import path of the click command, one-line help shown by `kubelab --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    # "name": ("kubelab.commands.<module>:<click command>", "one-line help"),
    "lessons": ("kubelab.commands.lessons:lessons", "List the lessons in course order."),
    "lint": ("kubelab.commands.lint:lint", "Check lessons and the manifests they reference."),
    "schema": ("kubelab.commands.schema:schema", "Print the JSON Schema of the lesson format."),
    "sim": ("kubelab.sim.command:sim", "Run the built-in simulated cluster (sim serve)"),
    "grade": ("kubelab.commands.grade:grade", "Grade a lesson or step (or a submission)."),
    "test": ("kubelab.commands.test:test", "Self-test lessons: fail before solution, pass after."),
    "init-assignment": (
        "kubelab.commands.init_assignment:init_assignment",
        "Write a class repository graded in CI against a lesson.",
    ),
    "up": ("kubelab.commands.up:up", "Provision the lab cluster (kind, context, simulator)."),
    "down": ("kubelab.commands.down:down", "Delete the lab cluster (or kubelab's namespace)."),
    "status": ("kubelab.commands.status:status", "Show the lab cluster, nodes, exposed Services."),
    "env": ("kubelab.commands.env:env", "Print `export KUBECONFIG=...` for the lab cluster."),
    "shell": ("kubelab.commands.shell:shell", "Open your shell pointed at the lab cluster."),
    "start": ("kubelab.commands.start:start", "Start a lesson (set up in its own namespace)."),
    "hint": ("kubelab.commands.hint:hint", "Show the next hint of the current step."),
    "solve": ("kubelab.commands.solve:solve", "Apply a step's solution for you (assisted)."),
    "reset": ("kubelab.commands.reset:reset", "Set the current step (or a lesson) up again."),
    "next": ("kubelab.commands.next:next_", "Move to the next step or lesson."),
    "watch": ("kubelab.commands.watch:watch", "Grade the current step on every change."),
    "web": ("kubelab.commands.web:web", "Serve the lab in a browser (a URL with a token)."),
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when that subcommand is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module_name, attribute = entry[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from COMMANDS so listing commands imports none of them.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="kubelab")
@click.option(
    "--cluster",
    "-c",
    default=None,
    metavar="CLUSTER",
    help="TUI: the lab cluster "
    "(auto|sim|kind[:NAME]|context:NAME; default: the one `kubelab up` provisioned).",
)
@click.option(
    "--namespace",
    "-n",
    default=None,
    metavar="NAME",
    help="TUI: lab namespace on a borrowed context.",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    default=False,
    help="TUI: change a cluster kubelab did not create without asking.",
)
@click.option(
    "--lessons",
    "lessons_dir",
    default=None,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="TUI: a course folder instead of the bundled lessons.",
)
@click.pass_context
def main(
    ctx: click.Context,
    cluster: str | None,
    namespace: str | None,
    yes: bool,
    lessons_dir: Path | None,
) -> None:
    """kubelab: learn Kubernetes Services by doing, graded as you go.

    With no command, opens the lab (a terminal UI) on the lab cluster.
    """
    if ctx.invoked_subcommand is None:
        from kubelab.tui.launch import launch  # textual is imported only here

        sys.exit(launch(cluster=cluster, namespace=namespace, yes=yes, lessons=lessons_dir))
