"""Use cases of the product lifecycle list: adding, correcting and deleting a product (a new date
reaches the items that inherit it; a product in use is not deleted; a source is a web address),
and the list shipped with Khusela. Each write records its audit entry and flushes; the caller of the
unit of work (a view, the import, a CLI command) commits once.

The list shipped with Khusela (app/data/product-lifecycle.csv): vendors' end-of-support dates of
common operating systems and server products, each with its source. sync_products() works on the
plain table through a Connection, so the migration that creates the table, `flask assets
load-products` and the tests share it. It only adds the products the organisation does not have
yet: a date someone corrected, or a product someone removed and re-added, stays as they left it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import sqlalchemy as sa

from app.assets.models import Asset
from app.assets.products.models import Product
from app.assets.services import AssetRuleError
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.common.models import rows_matched
from app.common.timeutil import utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.auth.models import User

PRODUCT_AUDIT_FIELDS = ["name", "release", "end_of_support", "source", "note"]

WEB_SCHEMES = ("http", "https")
WEB_ADDRESS_MESSAGE = "Give the source as a web address starting with https:// or http://, or leave it empty."


@dataclass
class ProductInput:
    name: str
    release: str = ""
    end_of_support: date | None = None
    source: str = ""
    note: str = ""


def is_web_address(text: str) -> bool:
    """An http(s) address with a host: the list shows the source as a link, and a javascript: or
    file: "link" must never reach a page."""
    parts = urlsplit(text.strip())
    return parts.scheme.lower() in WEB_SCHEMES and bool(parts.netloc)


def _check_product(data: ProductInput, product: Product | None) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    name, release = data.name.strip(), data.release.strip()
    if not name or len(name) > 120:
        problems.append(("name", "Name the product in 1 to 120 characters, like Microsoft Windows."))
    if len(release) > 60:
        problems.append(("release", "Use at most 60 characters for the version."))
    if len(data.source.strip()) > 500:
        problems.append(("source", "Use at most 500 characters for the source."))
    elif data.source.strip() and not is_web_address(data.source):
        problems.append(("source", WEB_ADDRESS_MESSAGE))
    clash = db.session.scalar(sa.select(Product).where(sa.func.lower(Product.name) == name.lower(),
                                                       sa.func.lower(Product.release) == release.lower()))
    if clash is not None and clash is not product:
        problems.append(("release", f"{clash} is already in the product list."))
    return problems


def create_product(data: ProductInput, *, actor: User) -> Product:
    problems = _check_product(data, None)
    if problems:
        raise AssetRuleError(problems)
    product = Product(name=data.name.strip(), release=data.release.strip(), end_of_support=data.end_of_support,
                      source=data.source.strip(), note=data.note.strip())
    db.session.add(product)
    db.session.flush()
    audit.record(AuditAction.CREATE, "product", product.id,
                 changes=audit.diff({}, audit.snapshot(product, PRODUCT_AUDIT_FIELDS)),
                 summary=f"Added product {product}"[:300], actor=actor)
    return product


def update_product(product: Product, data: ProductInput, *, expected_version, actor: User) -> dict:
    """Items of the product without a date of their own take its new end-of-support date."""
    product.check_version(expected_version, "product")
    problems = _check_product(data, product)
    if problems:
        raise AssetRuleError(problems)
    before = audit.snapshot(product, PRODUCT_AUDIT_FIELDS)
    product.name, product.release = data.name.strip(), data.release.strip()
    product.end_of_support, product.source, product.note = data.end_of_support, data.source.strip(), data.note.strip()
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(product, PRODUCT_AUDIT_FIELDS))
    if "end_of_support" in changes:
        inheriting = rows_matched(db.session.execute(
            sa.update(Asset).where(Asset.product_id == product.id, Asset.end_of_support_set.is_(None))
            .values(support_ends_on=product.end_of_support)))
        changes["items inheriting the date"] = [None, inheriting]
    if changes:
        audit.record(AuditAction.UPDATE, "product", product.id, changes=changes,
                     summary=f"Edited product {product}"[:300], actor=actor)
    return changes


def delete_product(product: Product, *, actor: User) -> None:
    in_use = db.session.scalar(sa.select(sa.func.count(Asset.id)).where(Asset.product_id == product.id))
    if in_use:
        raise AssetRuleError(f"{in_use} item(s) run {product}: change them to another product first.")
    audit.record(AuditAction.DELETE, "product", product.id,
                 changes=audit.diff(audit.snapshot(product, PRODUCT_AUDIT_FIELDS), {}),
                 summary=f"Deleted product {product}"[:300], actor=actor)
    db.session.delete(product)
    db.session.flush()


PRODUCTS_FILE = Path(__file__).resolve().parents[2] / "data" / "product-lifecycle.csv"


@dataclass(frozen=True)
class ShippedProduct:
    name: str
    release: str
    end_of_support: date | None
    source: str
    note: str


def shipped_products() -> list[ShippedProduct]:
    with PRODUCTS_FILE.open(encoding="utf-8", newline="") as handle:
        return [ShippedProduct(row["product"].strip(), row["version"].strip(),
                               date.fromisoformat(row["end_of_support"]) if row["end_of_support"] else None,
                               row["source"].strip(), row["note"].strip())
                for row in csv.DictReader(handle)]


def sync_products(connection: sa.Connection, product: sa.Table) -> int:
    """Add the shipped products missing from the `product` table (by name and version, in any
    case); returns how many were added."""
    known = {(name.casefold(), release.casefold())
             for name, release in connection.execute(sa.select(product.c.name, product.c.release))}
    now = utcnow()
    missing = [{"name": item.name, "release": item.release, "end_of_support": item.end_of_support,
                "source": item.source, "note": item.note, "version": 1, "created_at": now, "updated_at": now}
               for item in shipped_products() if (item.name.casefold(), item.release.casefold()) not in known]
    if missing:
        connection.execute(product.insert(), missing)
    return len(missing)
