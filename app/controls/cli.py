"""`flask --app wsgi controls ...`: keeping the shipped catalogue in step, importing a catalogue,
rebuilding the summary of which risks rely on which control."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.auth.permissions import CONTROL_EDIT, role_has
from app.auth.services import find_user_by_email
from app.common.imports import import_from_the_command_line, mapping_option
from app.controls import reliance
from app.controls.importing import import_controls
from app.controls.models import ControlReliance
from app.controls.services import load_annex_a
from app.extensions import db

controls_cli = AppGroup("controls", help="Controls catalogue tasks.")


@controls_cli.command("load-annex-a")
def load_annex_a_command():
    """Load (or correct) the 93 ISO/IEC 27001:2022 Annex A controls and the 2013 mapping shipped
    with Khusela. Safe to repeat: what the organisation added to a control is kept."""
    result = load_annex_a()
    db.session.commit()
    if not result.changed:
        click.echo("Annex A catalogue already up to date (93 controls).")
        return
    click.echo(f"Annex A catalogue: {result.added} controls added, {result.updated} updated, "
               f"{result.mappings_added} 2013→2022 mappings added.")


@controls_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", required=True,
              help="E-mail of the administrator or security officer the audit log records as importing.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@mapping_option
def import_command(file: Path, actor_email: str, dry_run: bool, mapping_name: str | None):
    """Import internal controls or a custom catalogue from FILE (.csv or .xlsx), all or nothing.

    Rows whose catalogue and reference exist update that control; the others create controls.
    Exit status 0 when the file is good (and, without --dry-run, imported), 1 when it has
    problems, 2 on bad usage."""
    actor = find_user_by_email(actor_email)
    if actor is None or not actor.active or not role_has(actor.role, CONTROL_EDIT):
        click.echo(f"Error: {actor_email} is not an active administrator or security officer.", err=True)
        raise SystemExit(2)
    import_from_the_command_line("controls", import_controls, file, actor=actor, dry_run=dry_run,
                                 mapping_name=mapping_name)


@controls_cli.command("refresh-reliance")
def refresh_reliance_command():
    """Work out again which open risks rely on each Annex A control (shown on the Statement of
    Applicability). Khusela keeps this up to date itself; run it after writing risks, their links
    or control mappings straight into the database."""
    reliance.refresh(db.session)
    db.session.commit()
    relied_on = db.session.scalar(sa.select(sa.func.count()).select_from(ControlReliance))
    click.echo(f"Rebuilt the reliance summary: {relied_on} Annex A control{'' if relied_on == 1 else 's'} "
               "relied on by open risks.")
