"""`flask --app wsgi employees ...`: importing the employee register."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.auth import services as accounts
from app.auth.permissions import EMPLOYEE_IMPORT, role_has
from app.common.imports import import_from_the_command_line, mapping_option
from app.employees.importing import import_employees

employees_cli = AppGroup("employees", help="Employee register tasks.")


@employees_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", required=True,
              help="E-mail of the administrator or HR officer the audit log records as importing.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@mapping_option
def import_command(file: Path, actor_email: str, dry_run: bool, mapping_name: str | None):
    """Import employees from FILE (.csv or .xlsx, at most 100,000 rows), all or nothing.

    Rows whose Employee number exists update that employee; the others add employees. Exit status
    0 when the file is good (and, without --dry-run, imported), 1 when it has problems, 2 on bad
    usage."""
    actor = accounts.find_user_by_email(actor_email)
    if actor is None or not actor.active or not role_has(actor.role, EMPLOYEE_IMPORT):
        click.echo(f"Error: {actor_email} is not an active administrator or HR officer.", err=True)
        raise SystemExit(2)
    import_from_the_command_line("employees", import_employees, file, actor=actor, dry_run=dry_run,
                                 mapping_name=mapping_name)
