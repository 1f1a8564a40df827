"""`flask --app wsgi risks ...`: the register import and the daily expiry of acceptances."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.auth import services as accounts
from app.auth.permissions import RISK_IMPORT, role_has
from app.common.imports import import_from_the_command_line, mapping_option
from app.common.timeutil import local_today
from app.extensions import db
from app.risks.importing import import_risks
from app.risks.services import expire_acceptances

risks_cli = AppGroup("risks", help="Risk register tasks.")


@risks_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", required=True,
              help="E-mail of the administrator or security officer the audit log records as importing.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@mapping_option
def import_command(file: Path, actor_email: str, dry_run: bool, mapping_name: str | None):
    """Import risks from FILE (.csv or .xlsx, at most 5,000 rows), all or nothing.

    Rows whose Reference exists update that risk; the others create risks. Exit status 0 when the
    file is good (and, without --dry-run, imported), 1 when it has problems, 2 on bad usage."""
    actor = accounts.find_user_by_email(actor_email)
    if actor is None or not actor.active or not role_has(actor.role, RISK_IMPORT):
        click.echo(f"Error: {actor_email} is not an active administrator or security officer.", err=True)
        raise SystemExit(2)
    import_from_the_command_line("risks", import_risks, file, actor=actor, dry_run=dry_run, mapping_name=mapping_name)


@risks_cli.command("expire-acceptances")
def expire_acceptances_command():
    """End acceptances past their expiry date; their risks return to "open". Safe to repeat; the
    scheduler's "risk-acceptances" job runs it every night."""
    reopened = expire_acceptances(local_today())
    db.session.commit()
    for risk in reopened:
        click.echo(f"  {risk.reference}  {risk.title}: acceptance expired, status open")
    click.echo(f"{len(reopened)} acceptance(s) expired." if reopened else "No acceptance has expired.")
