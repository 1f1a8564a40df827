"""One configuration item: its page, a new item, editing, deleting, and its relations, risks and
yearly dispositions."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.assets import profiles, queries, services
from app.assets.forms import AssetForm, DeleteAssetForm, DispositionForm, RelationForm, RiskLinksForm
from app.assets.models import HARDWARE_KINDS, Asset, AssetKind, AssetRelation, RelationKind
from app.assets.views import bp
from app.auth.permissions import ASSET_EDIT, ASSET_VIEW, RISK_VIEW, permission_required, user_can
from app.common.choices import active_users, department_choices
from app.common.saving import acting, saving, show_problems
from app.common.timeutil import local_today
from app.extensions import db
from app.risks.models import Risk

RATING_FIELDS = ("confidentiality", "integrity", "availability", "business_impact")
CHOICE_FIELDS = ("owner_id", "department_id", "product_id", "device_profile_id")


@bp.get("/<int:asset_id>")
@permission_required(ASSET_VIEW)
def detail(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    may_edit = user_can(current_user, ASSET_EDIT)
    return render_template(
        "assets/detail.html", asset=asset, today=local_today(), relations=services.relations_of(asset),
        items_here=services.items_at(asset) if asset.kind == AssetKind.SITE else 0,
        may_edit=may_edit, may_see_risks=user_can(current_user, RISK_VIEW),
        relation_form=RelationForm() if may_edit else None,
        disposition_form=DispositionForm(year=local_today().year) if may_edit else None,
    )


# --- new and edit --------------------------------------------------------------------------------


def _form(asset: Asset | None = None) -> AssetForm:
    form = AssetForm(obj=asset if request.method == "GET" else None)
    form.set_choices(users=active_users(keep_id=asset.owner_id if asset else None),
                     departments=department_choices("None", keep_id=asset.department_id if asset else None),
                     classifications=services.classifications(), products=queries.products(),
                     device_profiles=profiles.profiles())
    return form


def _fill(form: AssetForm, asset: Asset) -> None:
    form.version.data = str(asset.version)
    for name in RATING_FIELDS + CHOICE_FIELDS:
        value = getattr(asset, name)
        getattr(form, name).data = "" if value is None else str(value)
    form.classification.data = asset.classification or ""
    form.site_type.data, form.link_speed.data = asset.site_type or "", asset.link_speed or ""
    form.site_tag.data = asset.site.tag if asset.site else ""


def _input(form: AssetForm) -> services.AssetInput | None:
    """The form as the service's input; None (with the message at the field) for an unknown site tag."""
    site_id = None
    if form.site_tag.data:
        site = services.find_by_tag(form.site_tag.data)
        if site is None:
            show_problems(form, [("site_tag", f"No item has the tag {form.site_tag.data}.")])
            return None
        site_id = site.id
    number = {name: int(getattr(form, name).data) if getattr(form, name).data else None
              for name in RATING_FIELDS + CHOICE_FIELDS}
    return services.AssetInput(
        tag=form.tag.data or "", name=form.name.data or "", kind=form.kind.data, status=form.status.data,
        custodian=form.custodian.data or "", site_id=site_id, classification=form.classification.data or None,
        manufacturer=form.manufacturer.data or "", model=form.model.data or "", serial=form.serial.data or "",
        purchased_on=form.purchased_on.data, end_of_support_set=form.end_of_support_set.data,
        ip_address=form.ip_address.data or "",
        hostname=form.hostname.data or "", notes=form.notes.data or "", site_type=form.site_type.data or None,
        link_speed=form.link_speed.data or None, **number)


def _render_form(form: AssetForm, asset: Asset | None, status: int = 200):
    return render_template("assets/form.html", form=form, asset=asset, site_kind=AssetKind.SITE.value,
                           hardware_kinds=sorted(kind.value for kind in HARDWARE_KINDS)), status


@bp.route("/new", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def new():
    form = _form()
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "")
        return _render_form(form, None)
    if form.validate_on_submit() and (data := _input(form)) is not None:
        with saving(form, services.AssetRuleError):
            asset = services.create_asset(data, actor=current_user)
            flash(f"Created {asset.kind_enum.label.lower()} {asset}.", "success")
            return redirect(url_for("assets.detail", asset_id=asset.id))
    return _render_form(form, None, 422)


@bp.route("/<int:asset_id>/edit", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def edit(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    form = _form(asset)
    if request.method == "GET":
        _fill(form, asset)
        return _render_form(form, asset)
    if form.validate_on_submit() and (data := _input(form)) is not None:
        with saving(form, services.AssetRuleError, stale_url=url_for("assets.edit", asset_id=asset.id)):
            changes = services.update_asset(asset, data, expected_version=form.version.data, actor=current_user)
            flash(f"Saved {asset}." if changes else "Nothing changed.", "success" if changes else "info")
            return redirect(url_for("assets.detail", asset_id=asset.id))
    return _render_form(form, asset, 422)


@bp.route("/<int:asset_id>/delete", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def delete(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    form = DeleteAssetForm()
    relations, located = services.what_deleting_affects(asset)
    if request.method == "GET":
        form.version.data = str(asset.version)
    elif form.validate_on_submit():
        label = str(asset)
        with saving(form, services.AssetRuleError, stale_url=url_for("assets.detail", asset_id=asset.id),
                    default_field="confirmed"):
            services.delete_asset(asset, expected_version=form.version.data, confirmed=form.confirmed.data,
                                  actor=current_user)
            flash(f"Deleted {label}. The audit log keeps what it held.", "success")
            return redirect(url_for("assets.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("assets/delete.html", asset=asset, form=form, relations=relations, located=located), status


# --- relations, risks, dispositions --------------------------------------------------------------


@bp.post("/<int:asset_id>/relations")
@permission_required(ASSET_EDIT)
def add_relation(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    form = RelationForm()
    if form.validate_on_submit():
        target = services.find_by_tag(form.target_tag.data)
        if target is None:
            flash(f"No item has the tag {form.target_tag.data}: nothing was related.", "danger")
            return redirect(url_for("assets.detail", asset_id=asset.id, _anchor="relations-heading"))
        with acting(services.AssetRuleError) as refused:
            services.add_relation(asset, form.kind.data, target.id, actor=current_user)
        if refused:
            flash(f"{refused} Nothing was related.", "danger")
        else:
            flash(f"{asset.tag} {RelationKind(form.kind.data).label} {target.tag}.", "success")
    else:
        flash(" ".join(message for errors in form.errors.values() for message in errors), "danger")
    return redirect(url_for("assets.detail", asset_id=asset.id, _anchor="relations-heading"))


@bp.post("/<int:asset_id>/relations/<int:relation_id>/delete")
@permission_required(ASSET_EDIT)
def remove_relation(asset_id: int, relation_id: int):
    asset = db.get_or_404(Asset, asset_id)
    relation = db.session.get(AssetRelation, relation_id)
    if relation is None or asset.id not in (relation.source_id, relation.target_id):
        abort(404)
    if not DeleteAssetForm().validate_on_submit():  # the CSRF token only
        abort(400)
    services.remove_relation(relation, actor=current_user)
    db.session.commit()
    flash("Removed the relation.", "success")
    return redirect(url_for("assets.detail", asset_id=asset.id, _anchor="relations-heading"))


@bp.route("/<int:asset_id>/risks", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def risks(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    form = RiskLinksForm()
    form.risk_ids.choices = [(risk.id, str(risk)) for risk in db.session.scalars(
        sa.select(Risk).order_by(Risk.reference))]
    if request.method == "GET":
        form.version.data = str(asset.version)
        form.risk_ids.data = [risk.id for risk in asset.risks]
    elif form.validate_on_submit():
        with saving(form, services.AssetRuleError, stale_url=url_for("assets.risks", asset_id=asset.id)):
            changes = services.set_risks(asset, form.risk_ids.data or [], expected_version=form.version.data,
                                         actor=current_user)
            flash(f"Saved the risks of {asset.tag}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("assets.detail", asset_id=asset.id, _anchor="risks-heading"))
    status = 422 if request.method == "POST" else 200
    return render_template("assets/risks.html", asset=asset, form=form), status


@bp.post("/<int:asset_id>/dispositions")
@permission_required(ASSET_EDIT)
def set_disposition(asset_id: int):
    asset = db.get_or_404(Asset, asset_id)
    form = DispositionForm()
    if form.validate_on_submit():
        with acting(services.AssetRuleError) as refused:
            changes = services.set_disposition(asset, form.year.data, form.disposition.data or None,
                                               actor=current_user)
        if refused:
            flash(f"{refused} Nothing was saved.", "danger")
        else:
            flash(f"Saved the {form.year.data} disposition." if changes else "Nothing changed.",
                  "success" if changes else "info")
    else:
        flash(" ".join(message for errors in form.errors.values() for message in errors), "danger")
    return redirect(url_for("assets.detail", asset_id=asset.id, _anchor="portfolio-heading"))
