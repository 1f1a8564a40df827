"""The product lifecycle list: filtered, searched, sorted, paged and exported."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import render_template, request

from app.assets.products import queries
from app.assets.products.exports import PRODUCT_COLUMNS
from app.assets.products.models import Product
from app.assets.products.services import is_web_address
from app.assets.products.views import bp
from app.auth.permissions import ASSET_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today

SUPPORT_CHOICES = {"": "Any", queries.SUPPORT_ENDED: "Ended",
                   **{value: f"Ends within {days} days" for value, days in queries.SUPPORT_ENDS_WITHIN.items()},
                   queries.SUPPORT_NOT_ANNOUNCED: "Not announced"}


@dataclass(frozen=True)
class SourceLink:
    href: str
    site: str  # what the list shows: "learn.microsoft.com" reads better than the whole address


def source_link(source: str) -> SourceLink | None:
    """The source as a link, only when it is a web address: a value stored before the form's
    check (or by hand) might be plain text, or worse a javascript: address."""
    if not source or not is_web_address(source):
        return None
    return SourceLink(source, urlsplit(source).hostname or source)


@bp.get("")
@permission_required(ASSET_VIEW)
def index():
    today = local_today()
    filters = queries.ProductFilters.from_args(request.args)
    statement = queries.filtered_products(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            tiebreaker=Product.id, scalars=False)
        return audited_export(rows, PRODUCT_COLUMNS, fmt, "khusela-products", entity_type="product",
                              what="products")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   tiebreaker=Product.id, scalars=False)
    return render_template("products/list.html", listing=listing, filters=filters, today=today,
                           support_choices=SUPPORT_CHOICES, source_link=source_link)
