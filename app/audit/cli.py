import click
from flask.cli import AppGroup

from app.audit.services import verify_chain

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
def verify_command():
    """Recompute every entry's hash and link; exit 1 at the first broken entry."""
    result = verify_chain()
    click.echo(result.message)
    raise SystemExit(0 if result.ok else 1)
