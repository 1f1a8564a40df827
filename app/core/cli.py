import click
from flask import Flask, current_app

from app.assets.cli import assets_cli
from app.audit.cli import audit_cli
from app.auth.cli import users_cli
from app.auth.passwords import password_problem
from app.backup.cli import backup_cli
from app.controls.cli import controls_cli
from app.core.demo import (
    ORGANISATIONS,
    PROVINCE,
    database_is_empty,
    demo_accounts,
    organisation_loaded,
    other_demo_in_database,
    seed_demo,
)
from app.employees.cli import employees_cli
from app.reports.cli import reports_cli
from app.reports.evidence_cli import evidence_cli
from app.reports.pack_cli import packs_cli
from app.risks.cli import risks_cli
from app.scheduler.cli import scheduler_cli

ORGANISATION_OPTION = click.option(
    "--organisation", type=click.Choice(ORGANISATIONS), default=None,
    help="The demo profile: the province (the default) or the municipality, each in its own database.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing unless the database has no accounts yet.")
@ORGANISATION_OPTION
def seed_demo_command(if_empty: bool, organisation: str | None):
    """Load the demo organisation and one account per role (safe to run again)."""
    organisation = organisation or PROVINCE
    refusal = other_demo_in_database(organisation)
    if refusal:  # before --if-empty: loading the other profile here is a mistake to name, not to skip quietly
        click.echo(f"Error: {refusal}", err=True)
        raise SystemExit(2)
    if if_empty and not database_is_empty():
        click.echo("Database already has accounts; demo data not loaded.")
        return
    password = current_app.config["DEMO_PASSWORD"]
    name, accounts = demo_accounts(organisation)
    # Checked before anything is written, against every demo account's words at once: otherwise
    # the departments load and the accounts fail.
    problem = password_problem(password, [name, *(f"{account.email} {account.full_name}" for account in accounts)])
    if problem:
        click.echo(f"Error: DEMO_PASSWORD cannot be used for the demo accounts. {problem}", err=True)
        raise SystemExit(2)
    added = seed_demo(password, organisation)
    click.echo(f"Demo data: {len(added)} item(s) added." if added else "Demo data already present.")


@click.command("demo-logins")
@ORGANISATION_OPTION
def demo_logins_command(organisation: str | None):
    """Print the demo accounts and their password (of the profile the database holds, unless named)."""
    password = current_app.config["DEMO_PASSWORD"]
    name, accounts = demo_accounts(organisation or organisation_loaded() or PROVINCE)
    click.echo(f"Demo logins for {name} (password for all: {password}):")
    for account in accounts:
        designation = f", {account.acceptance_authority.label.lower()}" if account.acceptance_authority else ""
        click.echo(f"  {account.role.label + designation:<18} {account.email}")


def register_cli(app: Flask) -> None:
    for command in (seed_demo_command, demo_logins_command, users_cli, audit_cli, risks_cli, controls_cli,
                    assets_cli, employees_cli, reports_cli, packs_cli, evidence_cli, scheduler_cli, backup_cli):
        app.cli.add_command(command)
