"""`kubelab schema`: print the JSON Schema of the lesson format."""

from __future__ import annotations

import click

from kubelab.lessons.schema import schema_text


@click.command("schema")
def schema() -> None:
    """Print the lesson format's JSON Schema (for editors: yaml-language-server $schema)."""
    click.echo(schema_text(), nl=False)
