"""One product of the lifecycle list: adding it, editing it (items without a date of their own
take a new one) and deleting it (refused while an item uses it)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.assets.products import queries, services
from app.assets.products.forms import DeleteProductForm, ProductForm
from app.assets.products.models import Product
from app.assets.products.views import bp
from app.auth.permissions import ASSET_EDIT, permission_required
from app.common.saving import acting, saving
from app.extensions import db


def _product_or_404(product_id: int) -> Product:
    return db.session.get(Product, product_id) or abort(404)


def _input(form: ProductForm) -> services.ProductInput:
    return services.ProductInput(name=form.name.data or "", release=form.release.data or "",
                                 end_of_support=form.end_of_support.data, source=form.source.data or "",
                                 note=form.note.data or "")


def _render_form(form: ProductForm, product: Product | None, status: int = 200):
    return render_template("products/form.html", form=form, product=product,
                           items=queries.items_using(product) if product else 0,
                           delete_form=DeleteProductForm()), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def new():
    form = ProductForm()
    if form.validate_on_submit():
        with saving(form, services.AssetRuleError):
            product = services.create_product(_input(form), actor=current_user)
            flash(f"Added {product} to the product list.", "success")
            return redirect(url_for("products.index", q=product.name))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/<int:product_id>/edit", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def edit(product_id: int):
    product = _product_or_404(product_id)
    form = ProductForm(obj=product if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = str(product.version)
        return _render_form(form, product)
    if form.validate_on_submit():
        with saving(form, services.AssetRuleError, stale_url=url_for("products.edit", product_id=product.id)):
            changes = services.update_product(product, _input(form), expected_version=form.version.data,
                                              actor=current_user)
            flash(_saved_message(product, changes), "success" if changes else "info")
            return redirect(url_for("products.index", q=product.name))
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


@bp.post("/<int:product_id>/delete")
@permission_required(ASSET_EDIT)
def delete(product_id: int):
    product = _product_or_404(product_id)
    if not DeleteProductForm().validate_on_submit():
        abort(400)
    name = str(product)
    with acting(services.AssetRuleError) as refused:
        services.delete_product(product, actor=current_user)
    if refused:
        flash(str(refused), "danger")
        return redirect(url_for("products.edit", product_id=product_id))
    flash(f"Deleted {name} from the product list.", "success")
    return redirect(url_for("products.index"))
