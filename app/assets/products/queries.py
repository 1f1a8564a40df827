"""Reading the product lifecycle list for its page and export: filters from the query string (a
value that cannot be understood is ignored, as on the other list pages), and how many items name
each product."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement

from app.assets.models import Asset
from app.assets.products.models import Product
from app.common.listing import SqlColumn, choice_arg
from app.extensions import db

SUPPORT_ENDED, SUPPORT_NOT_ANNOUNCED = "ended", "not_announced"
# "Ends within" choices, in days: a quarter, half a year and a year are how refreshes are budgeted.
SUPPORT_ENDS_WITHIN = {"90": 90, "180": 180, "365": 365}
SUPPORT_FILTERS = frozenset({SUPPORT_ENDED, SUPPORT_NOT_ANNOUNCED, *SUPPORT_ENDS_WITHIN})

# How many items name each product: one grouped subquery joined to the page, not a query per row.
_items_per_product = (sa.select(Asset.product_id, sa.func.count(Asset.id).label("item_count"))
                      .where(Asset.product_id.is_not(None)).group_by(Asset.product_id).subquery("items_per_product"))
ITEM_COUNT = sa.func.coalesce(_items_per_product.c.item_count, 0)

SORT_COLUMNS: dict[str, SqlColumn] = {
    "name": sa.func.lower(Product.name), "version": sa.func.lower(Product.release),
    "end_of_support": Product.end_of_support, "items": ITEM_COUNT,
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    support: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ProductFilters:
        return cls(q=(args.get("q") or "").replace("\x00", "").strip()[:200],
                   support=choice_arg(args, "support", SUPPORT_FILTERS))

    def conditions(self, today: date) -> list[ColumnElement]:
        where: list[ColumnElement] = []
        if self.q:
            needle = self.q.lower()
            # Name and version together, so that "windows server 2016" finds what it says.
            named = Product.name + " " + Product.release
            where.append(sa.or_(*(sa.func.lower(column).contains(needle, autoescape=True)
                                  for column in (named, Product.note))))
        if self.support == SUPPORT_ENDED:
            # As Asset.unsupported_on: support ends at the end of the given day.
            where.append(Product.end_of_support < today)
        elif self.support == SUPPORT_NOT_ANNOUNCED:
            where.append(Product.end_of_support.is_(None))
        elif self.support in SUPPORT_ENDS_WITHIN:
            last_day = today + timedelta(days=SUPPORT_ENDS_WITHIN[self.support])
            where.append(Product.end_of_support.between(today, last_day))
        return where


def filtered_products(filters: ProductFilters, today: date) -> sa.Select:
    """(Product, item_count) rows: each product with how many items name it."""
    return (sa.select(Product, ITEM_COUNT.label("item_count"))
            .outerjoin(_items_per_product, _items_per_product.c.product_id == Product.id)
            .where(*filters.conditions(today)))


def items_using(product: Product) -> int:
    return db.session.scalar(sa.select(sa.func.count(Asset.id)).where(Asset.product_id == product.id)) or 0
