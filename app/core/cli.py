import click
from flask import Flask, current_app

from app.assets.cli import assets_cli
from app.audit.cli import audit_cli
from app.auth.cli import users_cli
from app.auth.passwords import password_problem
from app.backup.cli import backup_cli
from app.controls.cli import controls_cli
from app.core.demo import DEMO_ACCOUNTS, DEMO_ORGANISATION, database_is_empty, seed_demo
from app.employees.cli import employees_cli
from app.reports.cli import reports_cli
from app.reports.evidence_cli import evidence_cli
from app.reports.pack_cli import packs_cli
from app.risks.cli import risks_cli
from app.scheduler.cli import scheduler_cli


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database has no accounts yet.")
def seed_demo_command(if_empty: bool):
    """Load the demo organisation and one account per role (safe to run again)."""
    if if_empty and not database_is_empty():
        click.echo("Database already has accounts; demo data not loaded.")
        return
    password = current_app.config["DEMO_PASSWORD"]
    # Checked before anything is written, against every demo account's words at once: otherwise
    # the departments load and the accounts fail.
    problem = password_problem(password, [DEMO_ORGANISATION, *(f"{account.email} {account.full_name}"
                                                               for account in DEMO_ACCOUNTS)])
    if problem:
        click.echo(f"Error: DEMO_PASSWORD cannot be used for the demo accounts. {problem}", err=True)
        raise SystemExit(2)
    added = seed_demo(password)
    click.echo(f"Demo data: {len(added)} item(s) added." if added else "Demo data already present.")


@click.command("demo-logins")
def demo_logins_command():
    """Print the demo accounts and their password."""
    password = current_app.config["DEMO_PASSWORD"]
    click.echo(f"Demo logins (password for all: {password}):")
    for account in DEMO_ACCOUNTS:
        designation = f", {account.acceptance_authority.label.lower()}" if account.acceptance_authority else ""
        click.echo(f"  {account.role.label + designation:<18} {account.email}")


def register_cli(app: Flask) -> None:
    for command in (seed_demo_command, demo_logins_command, users_cli, audit_cli, risks_cli, controls_cli,
                    assets_cli, employees_cli, reports_cli, packs_cli, evidence_cli, scheduler_cli, backup_cli):
        app.cli.add_command(command)
