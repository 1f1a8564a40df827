"""Administration of the risk register's settings: the risk matrix, risk settings and categories.

Routes are registered on the admin blueprint (app/admin/views.py imports this module)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app.admin import settings
from app.admin.forms import CategoryForm, MatrixForm, RiskSettingsForm, risk_settings_form
from app.admin.views import bp
from app.audit import services as audit
from app.auth.permissions import ADMIN_RISK_MATRIX, acting_user, permission_required
from app.common.saving import saving
from app.extensions import db
from app.risks import authority, categories, matrices, scoring
from app.risks.models import RiskCategory, RiskMatrix

# --- risk matrix ------------------------------------------------------------------------------


def _risk_settings_form(matrix: RiskMatrix, formdata=None) -> RiskSettingsForm:
    bands = sorted(matrix.to_scoring().bands, key=lambda band: band.min_score)
    form = risk_settings_form(bands, matrix_size=matrix.size, formdata=formdata)
    if formdata is None:
        form.default_tolerance.data = settings.get(settings.RISK_DEFAULT_TOLERANCE)
        form.acceptance_max_months.data = settings.get(settings.RISK_ACCEPTANCE_MAX_MONTHS)
        for band, field in form.band_fields:
            field.data = authority.authority_for_band(band.name).value
    return form


def _band_authorities(form: RiskSettingsForm) -> dict[str, str]:
    """The stored setting with the current bands' choices: bands of older versions keep theirs."""
    chosen = dict(settings.get(settings.RISK_ACCEPTANCE_AUTHORITY))
    chosen.update({band.name.strip().lower(): field.data for band, field in form.band_fields if field.data})
    return chosen


def _matrix_page(settings_form: RiskSettingsForm | None = None):
    current = matrices.current_matrix()
    versions = matrices.all_versions()
    shown = current
    requested = request.args.get("version", "")
    if requested:
        shown = next((v for v in versions if str(v.version_number) == requested), None) or abort(404)
    settings_form = settings_form or _risk_settings_form(current)
    status = 422 if settings_form.errors else 200
    return render_template(
        "admin/risk_matrix.html", current=current, shown=shown, matrix=shown.to_scoring(), versions=versions,
        authors=matrices.authors_of(versions), to_rescore=matrices.risks_to_rescore_count(current),
        settings_form=settings_form, tolerance=settings.get(settings.RISK_DEFAULT_TOLERANCE),
    ), status


@bp.get("/risk-matrix")
@permission_required(ADMIN_RISK_MATRIX)
def risk_matrix():
    return _matrix_page()


def _size_asked_for(current: RiskMatrix) -> int:
    size = request.args.get("size", "")
    if not size:
        return current.size
    if not size.isdigit() or not scoring.MIN_SIZE <= int(size) <= scoring.MAX_SIZE:
        flash(f"A risk matrix can be {scoring.MIN_SIZE}×{scoring.MIN_SIZE} to {scoring.MAX_SIZE}×{scoring.MAX_SIZE}; "
              f"“{size}” is not one of those sizes. Showing the current {current.size}×{current.size} matrix.",
              "warning")
        return current.size
    return int(size)


def _matrix_form_page(form: MatrixForm, current: RiskMatrix, size: int) -> str:
    return render_template("admin/risk_matrix_form.html", form=form, current=current, size=size,
                           reachable=scoring.reachable_scores(size))


@bp.route("/risk-matrix/edit", methods=["GET", "POST"])
@permission_required(ADMIN_RISK_MATRIX)
def edit_risk_matrix():
    current = matrices.current_matrix()
    if request.method == "GET":
        size = _size_asked_for(current)
        # Another size starts from that size's defaults: the current labels and bands would not fit.
        start = current.to_scoring() if size == current.size else scoring.default_matrix(size)
        form = MatrixForm.for_matrix(start, based_on_version=current.version_number)
        return _matrix_form_page(form, current, size)
    form = MatrixForm()
    if form.validate_on_submit():
        matrix = form.to_matrix()
        if matrix == current.to_scoring() and int(form.based_on_version.data) == current.version_number:
            flash(f"Nothing changed: version {current.version_number} is still the current risk matrix.", "info")
            return redirect(url_for("admin.risk_matrix"))
        try:
            version = matrices.save_new_version(matrix, change_note=form.change_note.data, actor=acting_user(),
                                                based_on_version=int(form.based_on_version.data))
        except matrices.MatrixError as error:
            db.session.rollback()
            if error.field is None:  # someone else saved a version meanwhile
                flash(str(error), "danger")
                return redirect(url_for("admin.edit_risk_matrix"))
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Saved risk matrix version {version.version_number}. Risks keep the version they were scored "
                  "on until they are re-scored.", "success")
            tolerance = settings.get(settings.RISK_DEFAULT_TOLERANCE)
            if tolerance > matrix.size * matrix.size:
                flash(f"The default tolerance level {tolerance} is above the highest score "
                      f"{matrix.size * matrix.size} of the new matrix: change it under Risk settings.", "warning")
            return redirect(url_for("admin.risk_matrix"))
    return _matrix_form_page(form, current, form.size_value or current.size), 422


@bp.post("/risk-matrix/settings")
@permission_required(ADMIN_RISK_MATRIX)
def risk_settings():
    form = _risk_settings_form(matrices.current_matrix(), formdata=request.form)
    if not form.validate_on_submit():
        return _matrix_page(form)
    changes = settings.save({
        settings.RISK_DEFAULT_TOLERANCE: form.default_tolerance.data,
        settings.RISK_ACCEPTANCE_MAX_MONTHS: form.acceptance_max_months.data,
        settings.RISK_ACCEPTANCE_AUTHORITY: _band_authorities(form),
    }, actor=acting_user())
    db.session.commit()
    flash("Risk settings saved." if changes else "Nothing changed.", "success" if changes else "info")
    return redirect(url_for("admin.risk_matrix"))


# --- risk categories --------------------------------------------------------------------------


def _parent_choices() -> dict[str, str]:
    choices = {"": "Nothing: a top-level category"}
    for category, _ in categories.category_tree(active_only=True):
        choices[str(category.id)] = category.name
    return choices


@bp.get("/risk-categories")
@permission_required(ADMIN_RISK_MATRIX)
def risk_categories():
    return render_template("admin/risk_categories.html", tree=categories.category_tree())


@bp.route("/risk-categories/new", methods=["GET", "POST"])
@permission_required(ADMIN_RISK_MATRIX)
def new_risk_category():
    form = CategoryForm(parent_choices=_parent_choices())
    parent = request.args.get("parent", "")
    if request.method == "GET" and parent in form.parent_id.choices:
        form.parent_id.data = parent
    if form.validate_on_submit():
        with saving(form, categories.CategoryError, default_field="name"):
            category = categories.create_category(
                form.name.data, int(form.parent_id.data) if form.parent_id.data else None, actor=acting_user())
            kind = f"Subcategory {category.name} of {category.parent.name}" if category.parent else \
                f"Category {category.name}"
            flash(f"{kind} created.", "success")
            return redirect(url_for("admin.risk_categories"))
    return render_template("admin/risk_category_form.html", form=form, category=None), (
        422 if form.errors else 200)


@bp.route("/risk-categories/<int:category_id>", methods=["GET", "POST"])
@permission_required(ADMIN_RISK_MATRIX)
def edit_risk_category(category_id: int):
    category = db.get_or_404(RiskCategory, category_id)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    del form.parent_id  # a category keeps its place; only its name and status change
    if form.validate_on_submit():
        stale_url = url_for("admin.edit_risk_category", category_id=category.id)
        with saving(form, categories.CategoryError, stale_url=stale_url, default_field="name"):
            categories.update_category(category, expected_version=form.version.data, name=form.name.data,
                                       active=form.active.data, actor=acting_user())
            flash(f"Category {category.name} saved.", "success")
            return redirect(url_for("admin.risk_categories"))
    return render_template(
        "admin/risk_category_form.html", form=form, category=category,
        history=audit.entries_about("risk_category", category.id, limit=20),
    ), (422 if form.errors else 200)
