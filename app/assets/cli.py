"""`flask --app wsgi assets ...`: keeping the product lifecycle list in step with the one shipped."""

import click
from flask.cli import AppGroup

from app.assets.models import Product
from app.assets.products import sync_products
from app.extensions import db

assets_cli = AppGroup("assets", help="CMDB tasks.")


@assets_cli.command("load-products")
def load_products_command():
    """Add the products of the shipped product lifecycle list (vendors' end-of-support dates) that
    are not in the database yet. Safe to repeat: products already there keep their dates."""
    with db.engine.begin() as connection:
        added = sync_products(connection, Product.__table__)
    if added:
        click.echo(f"Product lifecycle list: {added} product{'' if added == 1 else 's'} added.")
    else:
        click.echo("Product lifecycle list already holds every shipped product.")
