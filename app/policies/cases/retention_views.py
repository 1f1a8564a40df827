"""Cases past their retention period, and destroying them (HR officers and administrators)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth.permissions import CASE_DESTROY, permission_required
from app.common.listing import Listing
from app.common.models import RuleError
from app.common.saving import acting
from app.common.timeutil import local_today
from app.policies.cases import retention, services
from app.policies.cases.forms import DestroyForm
from app.policies.cases.models import PolicyCase
from app.policies.cases.views import bp


@bp.get("/retention")
@permission_required(CASE_DESTROY)
def retention_list():
    today = local_today()
    listing = Listing.from_request(retention.due_for_destruction(today), sort_columns={"closed": PolicyCase.closed_on},
                                   default_sort="closed", tiebreaker=PolicyCase.id)
    return render_template("cases/retention.html", listing=listing, years=retention.retention_years(),
                           before=retention.destroy_before(today), kept=retention.statistics_kept(),
                           form=DestroyForm())


@bp.post("/<int:case_id>/destroy")
@permission_required(CASE_DESTROY)
def destroy(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_DESTROY)
    form = DestroyForm()
    if not form.validate_on_submit():
        flash("Tick the confirmation to destroy the case: it cannot be undone.", "danger")
        return redirect(url_for("cases.retention_list"))
    reference = case.reference
    with acting(RuleError) as refused:
        retention.destroy_case(case, actor=current_user)
    if refused:
        flash(str(refused), "danger")
        return redirect(url_for("cases.retention_list"))
    flash(f"Destroyed case {reference}: its personal information and evidence files are gone; an anonymised "
          "statistical record and the audit entry remain.", "success")
    return redirect(url_for("cases.retention_list"))
