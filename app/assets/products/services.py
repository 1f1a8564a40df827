"""Use cases of the product lifecycle list: adding, correcting and deleting a product (a new date
reaches the items that inherit it; a product in use is not deleted; a source is a web address),
and the list shipped with Khusela. Each write records its audit entry and flushes; the caller of the
unit of work (a view, the import, a CLI command) commits once.

The rules and writes of one product are still defined in app/assets/services.py: they are imported
here so that every caller already goes through this module, and move here whole in a commit of their
own (kept apart from a concurrent edit of every services.py).

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

import sqlalchemy as sa

from app.assets.services import (  # noqa: F401  (defined there until they move here; see above)
    WEB_ADDRESS_MESSAGE,
    AssetRuleError,
    ProductInput,
    create_product,
    delete_product,
    is_web_address,
    update_product,
)
from app.common.timeutil import utcnow

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
