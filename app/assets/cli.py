"""`flask --app wsgi assets ...`: keeping the product lifecycle list in step with the one shipped,
and importing configuration items."""

from pathlib import Path

import click
from flask.cli import AppGroup

from app.assets.importing import import_assets
from app.assets.products.models import Product
from app.assets.products.services import sync_products
from app.auth import services as accounts
from app.auth.permissions import ASSET_IMPORT, role_has
from app.common.imports import import_from_the_command_line, mapping_option
from app.common.models import table_of
from app.extensions import db

assets_cli = AppGroup("assets", help="CMDB tasks.")


@assets_cli.command("load-products")
def load_products_command():
    """Add the products of the shipped product lifecycle list (vendors' end-of-support dates) that
    are not in the database yet. Safe to repeat: products already there keep their dates."""
    with db.engine.begin() as connection:
        added = sync_products(connection, table_of(Product))
    if added:
        click.echo(f"Product lifecycle list: {added} product{'' if added == 1 else 's'} added.")
    else:
        click.echo("Product lifecycle list already holds every shipped product.")


@assets_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "actor_email", required=True,
              help="E-mail of the administrator or security officer the audit log records as importing.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
@mapping_option
def import_command(file: Path, actor_email: str, dry_run: bool, mapping_name: str | None):
    """Import configuration items from FILE (.csv or .xlsx, at most 100,000 rows; Khusela's
    template or a Snipe-IT or GLPI asset export), all or nothing.

    Rows whose Tag exists update that item; the others create items. Exit status 0 when the file
    is good (and, without --dry-run, imported), 1 when it has problems, 2 on bad usage."""
    actor = accounts.find_user_by_email(actor_email)
    if actor is None or not actor.active or not role_has(actor.role, ASSET_IMPORT):
        click.echo(f"Error: {actor_email} is not an active administrator or security officer.", err=True)
        raise SystemExit(2)
    import_from_the_command_line("assets", import_assets, file, actor=actor, dry_run=dry_run, mapping_name=mapping_name)
