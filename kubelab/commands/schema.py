"""`kubelab schema`: print the JSON Schema of the lesson format."""

from __future__ import annotations

import click

from kubelab.lessons.schema import course_schema_text, schema_text


@click.command("schema")
@click.option("--course", "course", is_flag=True, help="The schema of course.yaml instead.")
def schema(course: bool) -> None:
    """Print the lesson format's JSON Schema (for editors: yaml-language-server $schema), or
    with --course that of course.yaml."""
    click.echo(course_schema_text() if course else schema_text(), nl=False)
