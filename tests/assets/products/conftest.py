"""Builders and page readers for the product lifecycle tests: products and items made through
the services, and what the list and the form show."""

from __future__ import annotations

import html
import re
from datetime import date

import sqlalchemy as sa

from app.assets import services as assets
from app.assets.models import Asset
from app.assets.products import services
from app.assets.products.models import Product
from app.assets.products.services import ProductInput
from app.assets.services import AssetInput
from app.extensions import db

SHIPPED = 60  # products in app/data/product-lifecycle.csv, loaded by the migration


def listed(response) -> list[str]:
    """"Product Version" of each row, in the order shown."""
    assert response.status_code == 200
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", response.get_data(as_text=True), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", f"{name} {version}")).replace("—", "").split())
            for name, version in rows]


def shown_total(response) -> str:
    return re.search(r'<p class="mb-0" role="status">([^<]+)</p>', response.get_data(as_text=True)).group(1)




def product(name: str, release: str = "", end_of_support: date | None = None, **fields) -> Product:
    made = services.create_product(ProductInput(name=name, release=release, end_of_support=end_of_support,
                                                 **fields), actor=None)
    db.session.commit()
    return made


def shipped(name: str, release: str) -> Product:
    return db.session.scalar(sa.select(Product).where(Product.name == name, Product.release == release))


def item(tag: str, of: Product, end_of_support_set: date | None = None) -> Asset:
    made = assets.create_asset(AssetInput(tag=tag, name=f"Desktop {tag}", kind="desktop", product_id=of.id,
                                           end_of_support_set=end_of_support_set), actor=None)
    db.session.commit()
    return made


def reload(record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def product_form(**changes) -> dict:
    data = {"name": "Acme Linux", "release": "9", "end_of_support": "2032-05-31",
            "source": "https://acme.example/lifecycle", "note": "Long-term release"}
    data.update(changes)
    return data


def products_named(name: str) -> list[Product]:
    return list(db.session.scalars(sa.select(Product).where(Product.name == name).order_by(Product.id)))
