import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from app.admin.services import find_department_by_code
from app.auth import sealing, services
from app.auth.models import Role
from app.auth.passwords import PASSWORD_RULE
from app.extensions import db

users_cli = AppGroup("users", help="Manage accounts from the command line.")


def _fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(2)


@users_cli.command("create")
@click.option("--email", required=True, help="Sign-in e-mail address.")
@click.option("--role", required=True, help=f"One of: {', '.join(r.value for r in Role)}.")
@click.option("--department", "department_code", default=None, help="Department code, e.g. DOTP.")
@click.option("--name", "full_name", default=None, help="Full name (defaults to the e-mail address).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def create_command(email, role, department_code, full_name, password_stdin):
    """Create an account (for the first administrator, or scripted set-up)."""
    if role not in {r.value for r in Role}:
        _fail(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}.")
    if services.find_user_by_email(email):
        _fail(f"an account with the e-mail address {services.normalise_email(email)} already exists.")
    department_id = None
    if department_code:
        department = find_department_by_code(department_code)
        if department is None:
            _fail(f"no department has the code {department_code!r}.")
        department_id = department.id
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        click.echo(PASSWORD_RULE)
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        user = services.create_user(
            email=email, full_name=full_name or email.split("@")[0], role=role, department_id=department_id,
            password=password, actor=None, must_change_password=False,
        )
    except services.AccountError as error:
        _fail(str(error))
    db.session.commit()
    click.echo(f"Created {user.email} ({Role(user.role).label}).")


@users_cli.command("unlock")
@click.argument("email")
def unlock_command(email):
    """Clear an account's failed sign-ins, so that its sign-in is no longer slowed down (also the
    way to unlock the only administrator)."""
    user = services.find_user_by_email(email)
    if user is None:
        _fail(f"no account has the e-mail address {services.normalise_email(email)}.")
    if services.unlock_user(user, actor=None):
        db.session.commit()
        click.echo(f"Unlocked {user.email}: its failed sign-ins were cleared.")
    else:
        click.echo(f"{user.email} had no failed sign-ins to clear.")


@users_cli.command("check-totp-key")
def check_totp_key_command():
    """Check that the two-factor key opens every stored two-factor secret (after a restore or a move)."""
    enrolled, unreadable = services.accounts_with_unreadable_totp_secret()
    if unreadable:
        click.echo(f"Error: {len(unreadable)} of {enrolled} two-factor secret(s) cannot be read: "
                   f"{', '.join(user.email for user in unreadable)}.\n{sealing.KEY_MISMATCH}", err=True)
        raise SystemExit(1)
    click.echo(f"The two-factor key opens the secrets of all {enrolled} account(s) with two-factor sign-in.")
