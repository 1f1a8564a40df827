"""The risk owner's approval of their risk's treatment plan (ISO/IEC 27001 6.1.3 f): a button on
the risk page, for the owner only."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user

from app.auth.permissions import RISK_APPROVE_PLAN, acting_user, permission_required
from app.common.saving import acting
from app.risks import plans, services
from app.risks.forms import PlanApprovalForm
from app.risks.views import bp


@bp.post("/<int:risk_id>/plan/approve")
@permission_required(RISK_APPROVE_PLAN)
def approve_plan(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_APPROVE_PLAN)
    back = redirect(url_for("risks.detail", risk_id=risk.id, _anchor="plan-heading"))
    form = PlanApprovalForm()
    if not form.validate_on_submit():
        flash("The approval was not recorded: the page had expired. Read the plan again, then approve.", "danger")
        return back
    with acting(services.RiskRuleError) as refused:
        plans.approve_plan(risk, actor=acting_user(), seen_fingerprint=form.plan.data or "")
    if refused:
        flash(f"{refused}", "danger")
    else:
        flash(f"You approved the treatment plan of {risk.reference}. If the plan changes, you will be asked again.",
              "success")
    return back
