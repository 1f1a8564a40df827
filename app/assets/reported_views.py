"""Recording a year's applications portfolio as the organisation reported it (the table in its board
pack), and correcting it. The portfolio page (summary_views.py) shows it beside the CMDB's counts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.assets import reported, services
from app.assets.forms import ReportedPortfolioForm
from app.assets.models import DISPOSITION_GROUPS, ReportedPortfolioYear
from app.assets.views import bp
from app.auth.permissions import ASSET_EDIT, permission_required
from app.common.saving import saving
from app.extensions import db


def _input(form: ReportedPortfolioForm) -> services.ReportedYearInput:
    return services.ReportedYearInput(year=int(form.year.data), source=form.source.data or "",
                                      cells={cell.key: form[cell.key].data or "" for cell in reported.CELLS})


def _render_form(form: ReportedPortfolioForm, row: ReportedPortfolioYear | None, status: int = 200):
    return render_template("assets/reported_form.html", form=form, row=row, groups=DISPOSITION_GROUPS,
                           keys=reported), status


@bp.route("/portfolio/reported/new", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def new_reported_year():
    form = ReportedPortfolioForm()
    if request.method == "GET" and request.args.get("year", "").isdigit():
        form.year.data = request.args["year"]
    if form.validate_on_submit():
        with saving(form, services.AssetRuleError):
            row = services.record_reported_year(_input(form), actor=current_user)
            flash(f"Recorded the {row.year} portfolio as reported in {row.source}.", "success")
            return redirect(url_for("assets.portfolio", _anchor="reported-sources"))
    return _render_form(form, None, 422 if request.method == "POST" else 200)


@bp.route("/portfolio/reported/<int:reported_id>/edit", methods=["GET", "POST"])
@permission_required(ASSET_EDIT)
def edit_reported_year(reported_id: int):
    row = db.session.get(ReportedPortfolioYear, reported_id) or abort(404)
    form = ReportedPortfolioForm()
    if request.method == "GET":
        form.version.data, form.year.data, form.source.data = str(row.version), str(row.year), row.source
        for cell in reported.CELLS:
            form[cell.key].data = str(row.cells[cell.key]) if cell.key in row.cells else ""
        return _render_form(form, row)
    if form.validate_on_submit():
        stale_url = url_for("assets.edit_reported_year", reported_id=row.id)
        with saving(form, services.AssetRuleError, stale_url=stale_url):
            changes = services.correct_reported_year(row, _input(form), expected_version=form.version.data,
                                                     actor=current_user)
            flash(f"Corrected the {row.year} portfolio as reported." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("assets.portfolio", _anchor="reported-sources"))
    return _render_form(form, row, 422)
