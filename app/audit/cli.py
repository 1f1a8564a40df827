import click
from flask.cli import AppGroup

from app.audit.services import verify_chain

audit_cli = AppGroup("audit", help="Check the audit log.")


@audit_cli.command("verify")
@click.option(
    "--anchor", "anchor_hash", default=None, metavar="HASH",
    help="Hash of an entry printed by an earlier run and kept outside the server; "
    "fails if that entry is gone (the newest entries were removed).",
)
def verify_command(anchor_hash: str | None):
    """Recompute every entry's hash and link; exit 1 at the first broken entry."""
    result = verify_chain(anchor_hash=anchor_hash.strip().lower() if anchor_hash else None)
    click.echo(result.message)
    if result.ok and result.latest_hash:
        click.echo(f"latest entry {result.latest_entry_id}: {result.latest_hash}")
        click.echo("Keep this hash outside the server: 'audit verify --anchor HASH' later shows if entries "
                   "were cut off the end.")
    raise SystemExit(0 if result.ok else 1)
