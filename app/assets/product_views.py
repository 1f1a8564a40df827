"""The product lifecycle table: its list (filtered, sorted, paged, exported), adding, editing and
deleting a product, and importing products (/assets/products/import)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.sql import ColumnElement

from app.assets import services
from app.assets.exports import PRODUCT_COLUMNS
from app.assets.models import Asset
from app.assets.products import importing as product_importing
from app.assets.products.forms import DeleteProductForm, ProductForm
from app.assets.products.models import Product
from app.assets.services import is_web_address
from app.assets.views import bp
from app.auth.permissions import ASSET_EDIT, ASSET_VIEW, permission_required
from app.common.export import audited_export
from app.common.imports import ImportRoutes, add_import_pages
from app.common.listing import Listing, all_matching, choice_arg, requested_export
from app.common.saving import saving
from app.common.timeutil import local_today
from app.extensions import db

SUPPORT_ENDED, SUPPORT_NOT_ANNOUNCED = "ended", "not_announced"
# "Ends within" choices, in days: a quarter, half a year and a year are how refreshes are budgeted.
SUPPORT_ENDS_WITHIN = {"90": 90, "180": 180, "365": 365}
SUPPORT_CHOICES = {"": "Any", SUPPORT_ENDED: "Ended", **{value: f"Ends within {days} days" for value, days in
                                                        SUPPORT_ENDS_WITHIN.items()},
                   SUPPORT_NOT_ANNOUNCED: "Not announced"}

# How many items name each product: one grouped subquery joined to the page, not a query per row.
_items_per_product = (sa.select(Asset.product_id, sa.func.count(Asset.id).label("item_count"))
                      .where(Asset.product_id.is_not(None)).group_by(Asset.product_id).subquery("items_per_product"))
ITEM_COUNT = sa.func.coalesce(_items_per_product.c.item_count, 0)

SORT_COLUMNS: dict[str, ColumnElement] = {
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
                   support=choice_arg(args, "support", SUPPORT_CHOICES.keys() - {""}))

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


# --- the list ------------------------------------------------------------------------------------


@bp.get("/products")
@permission_required(ASSET_VIEW)
def products():
    today = local_today()
    filters = ProductFilters.from_args(request.args)
    statement = filtered_products(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=SORT_COLUMNS, default_sort=DEFAULT_SORT, tiebreaker=Product.id,
                            scalars=False)
        return audited_export(rows, PRODUCT_COLUMNS, fmt, "khusela-products", entity_type="product",
                              what="products")
    listing = Listing.from_request(statement, sort_columns=SORT_COLUMNS, default_sort=DEFAULT_SORT,
                                   tiebreaker=Product.id, scalars=False)
    return render_template("assets/products.html", listing=listing, filters=filters, today=today,
                           support_choices=SUPPORT_CHOICES, source_link=source_link)


# --- one product ---------------------------------------------------------------------------------


def _product_or_404(product_id: int) -> Product:
    return db.session.get(Product, product_id) or abort(404)


def _input(form: ProductForm) -> services.ProductInput:
    return services.ProductInput(name=form.name.data or "", release=form.release.data or "",
                                 end_of_support=form.end_of_support.data, source=form.source.data or "",
                                 note=form.note.data or "")


def _items_using(product: Product) -> int:
    return db.session.scalar(sa.select(sa.func.count(Asset.id)).where(Asset.product_id == product.id))


def _render_form(form: ProductForm, product: Product | None, status: int = 200):
    return render_template("assets/product_form.html", form=form, product=product,
                           items=_items_using(product) if product else 0, delete_form=DeleteProductForm()), status


@bp.route("/products/new", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def new_product():
    form = ProductForm()
    if form.validate_on_submit():
        with saving(form, services.AssetRuleError):
            product = services.create_product(_input(form), actor=current_user)
            flash(f"Added {product} to the product list.", "success")
            return redirect(url_for("assets.products", q=product.name))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def edit_product(product_id: int):
    product = _product_or_404(product_id)
    form = ProductForm(obj=product if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(product.version)
        return _render_form(form, product)
    if form.validate_on_submit():
        with saving(form, services.AssetRuleError,
                    stale_url=url_for("assets.edit_product", product_id=product.id)):
            changes = services.update_product(product, _input(form), expected_version=form.version.data,
                                              actor=current_user)
            flash(_saved_message(product, changes), "success" if changes else "info")
            return redirect(url_for("assets.products", q=product.name))
    return _render_form(form, product, 422)


def _saved_message(product: Product, changes: dict) -> str:
    if not changes:
        return "Nothing changed."
    message = f"Saved {product}."
    if "end_of_support" in changes:
        inheriting = changes["items inheriting the date"][1]
        message += (f" {inheriting} item{' takes' if inheriting == 1 else 's take'} the new end-of-support date"
                    " (items with a date of their own keep it).")
    return message


@bp.post("/products/<int:product_id>/delete")
@permission_required(ASSET_EDIT)
def delete_product(product_id: int):
    product = _product_or_404(product_id)
    if not DeleteProductForm().validate_on_submit():
        abort(400)
    name = str(product)
    try:
        services.delete_product(product, actor=current_user)
        db.session.commit()
    except services.AssetRuleError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("assets.edit_product", product_id=product_id))
    flash(f"Deleted {name} from the product list.", "success")
    return redirect(url_for("assets.products"))


# --- import --------------------------------------------------------------------------------------

add_import_pages(bp, ImportRoutes(
    permission=ASSET_EDIT, run=product_importing.import_products, upload_template="assets/product_import.html",
    upload_context=lambda: {"columns": product_importing.COLUMNS, "max_rows": product_importing.MAX_IMPORT_ROWS},
    template_csv=product_importing.template_csv, template_xlsx=product_importing.template_xlsx,
    download_name="khusela-product-import-template", done_endpoint="assets.products",
    breadcrumb=("Product lifecycle", "assets.products"), name="products",
))
