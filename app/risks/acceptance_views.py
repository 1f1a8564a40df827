"""Risk acceptances: the register of every acceptance (list, CSV/XLSX; its PDF is a report), the
requests for acceptance, and asking for one.

Everyone who reads the register reads these, within register_scope (a manager: their department's
risks). Accepting itself is on record_views.accept."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import RISK_ACCEPT, RISK_REQUEST_ACCEPTANCE, RISK_VIEW, acting_user, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.saving import acting, saving
from app.common.timeutil import local_today
from app.risks import authority, presentation, queries, services
from app.risks.exports import acceptance_columns
from app.risks.forms import AcceptanceRequestForm, WithdrawRequestForm
from app.risks.matrices import current_matrix
from app.risks.models import AcceptanceStatus, RiskAcceptance
from app.risks.views import bp

# --- the register ---------------------------------------------------------------------------------


def _acceptance_choices() -> dict[str, dict[str, str]]:
    return {
        "status": {"": "Any status", **{status.value: status.label for status in AcceptanceStatus}},
        "department": presentation.department_filter_choices(current_user),
        "band": {"": "Any band", **{name: name for name in queries.band_names(current_matrix())}},
    }


@bp.get("/acceptances")
@permission_required(RISK_VIEW)
def acceptances():
    today = local_today()
    filters = queries.AcceptanceFilters.from_args(request.args, viewer=current_user)
    statement = queries.filtered_acceptances(filters, today=today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.ACCEPTANCE_SORT_COLUMNS, default_sort="accepted_on",
                            default_direction="desc", tiebreaker=RiskAcceptance.id)
        return audited_export(rows, acceptance_columns(today), fmt, "khusela-risk-acceptances",
                              entity_type="risk_acceptance", what="risk acceptances")
    listing = Listing.from_request(statement, sort_columns=queries.ACCEPTANCE_SORT_COLUMNS,
                                   default_sort="accepted_on", default_direction="desc",
                                   tiebreaker=RiskAcceptance.id)
    return render_template("risks/acceptances.html", listing=listing, filters=filters, today=today,
                           choices=_acceptance_choices(), register_url=presentation.register_url(),
                           waiting=len(queries.open_acceptance_requests(current_user)))


# --- requests for acceptance ------------------------------------------------------------------------


@bp.get("/acceptance-requests")
@permission_required(RISK_VIEW)
def acceptance_requests():
    """The requests waiting (for_me=1: those asked of the signed-in user), and the latest answered."""
    for_me = request.args.get("for_me") == "1"
    waiting = services.requested_from(current_user) if for_me else queries.open_acceptance_requests(current_user)
    return render_template(
        "risks/acceptance_requests.html", waiting=waiting, for_me=for_me,
        past=[] if for_me else queries.past_acceptance_requests(current_user),
        who_may_accept={item.id: authority.who_may_accept(item.risk) for item in waiting},
        may_accept={item.id: services.may_act_on(current_user, item.risk, RISK_ACCEPT)
                    and authority.may_accept(current_user, item.risk) for item in waiting},
        register_url=presentation.register_url(),
    )


def _render_request(form: AcceptanceRequestForm, withdraw_form: WithdrawRequestForm, risk, status: int = 200):
    return render_template(
        "risks/request_acceptance.html", form=form, withdraw_form=withdraw_form, risk=risk,
        open_request=services.open_request(risk), who_may_accept=authority.who_may_accept(risk),
        residual_band=authority.residual_band(risk), acceptance=services.current_acceptance(risk),
        register_url=presentation.register_url(),
    ), status


@bp.route("/<int:risk_id>/request-acceptance", methods=["GET", "POST"])
@permission_required(RISK_REQUEST_ACCEPTANCE)
def request_acceptance(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_REQUEST_ACCEPTANCE)
    form, withdraw_form = AcceptanceRequestForm(), WithdrawRequestForm(formdata=None)
    if request.method == "POST" and form.validate_on_submit():
        with saving(form, services.RiskRuleError):
            services.request_acceptance(risk, actor=acting_user(), note=form.note.data or "", today=local_today())
            _, people = authority.acceptors(risk)
            flash(f"Acceptance of {risk.reference} asked of {', '.join(person.full_name for person in people)}. "
                  "They are notified, and the request is on their dashboard.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
    return _render_request(form, withdraw_form, risk, 422 if request.method == "POST" else 200)


@bp.post("/<int:risk_id>/withdraw-acceptance-request")
@permission_required(RISK_REQUEST_ACCEPTANCE)
def withdraw_acceptance_request(risk_id: int):
    risk = services.get_risk_or_403(current_user, risk_id, RISK_REQUEST_ACCEPTANCE)
    withdraw_form = WithdrawRequestForm()
    waiting = services.open_request(risk)
    if waiting is None:
        flash(f"No request for acceptance of {risk.reference} is waiting.", "info")
        return redirect(url_for("risks.detail", risk_id=risk.id))
    if withdraw_form.validate_on_submit():
        with acting(services.RiskRuleError) as refused:
            services.withdraw_request(waiting, actor=acting_user(), reason=withdraw_form.reason.data)
        if not refused:
            flash(f"The request for acceptance of {risk.reference} is withdrawn.", "success")
            return redirect(url_for("risks.detail", risk_id=risk.id))
        withdraw_form.reason.errors = [message for _, message in refused.problems()]
    return _render_request(AcceptanceRequestForm(formdata=None), withdraw_form, risk, 422)
