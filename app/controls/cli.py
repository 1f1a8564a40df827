"""`flask --app wsgi controls ...`: keeping the shipped catalogue in step."""

import click
from flask.cli import AppGroup

from app.controls.services import load_annex_a

controls_cli = AppGroup("controls", help="Controls catalogue tasks.")


@controls_cli.command("load-annex-a")
def load_annex_a_command():
    """Load (or correct) the 93 ISO/IEC 27001:2022 Annex A controls and the 2013 mapping shipped
    with Khusela. Safe to repeat: what the organisation added to a control is kept."""
    result = load_annex_a()
    if not result.changed:
        click.echo("Annex A catalogue already up to date (93 controls).")
        return
    click.echo(f"Annex A catalogue: {result.added} controls added, {result.updated} updated, "
               f"{result.mappings_added} 2013→2022 mappings added.")
