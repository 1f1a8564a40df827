"""Reporting an event, one's own reports, the register as a list (filtered, sorted, paged and
exported) and its summary: incidents by category and severity per month, time to contain and close."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import INCIDENT_REPORT, INCIDENT_VIEW, acting_user, permission_required
from app.common.choices import department_choices
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.saving import saving
from app.common.timeutil import local_today
from app.incidents import queries, services
from app.incidents.exports import incident_columns
from app.incidents.forms import ReportForm
from app.incidents.models import Incident, IncidentCategory, IncidentSeverity, IncidentSource, IncidentStatus
from app.incidents.views import bp


@bp.route("/report", methods=["GET", "POST"])
@permission_required(INCIDENT_REPORT)
def report():
    form = ReportForm()
    if form.validate_on_submit():
        with saving(form, services.IncidentRuleError):
            incident = services.report_event(services.ReportInput(
                title=form.title.data or "", description=form.description.data or "",
                discovered_at=form.discovered_at.data, personal_information=form.personal_information.data or ""),
                actor=acting_user())
            flash(f"Thank you: your report is {incident.reference}. The security officer will look at it and "
                  "may contact you.", "success")
            return redirect(url_for("incidents.mine"))
    status = 422 if request.method == "POST" else 200
    return render_template("incidents/report.html", form=form), status


@bp.get("/mine")
@permission_required(INCIDENT_REPORT)
def mine():
    return render_template("incidents/mine.html", incidents=services.own_reports(current_user))


@bp.get("/mine/<int:report_id>")
@permission_required(INCIDENT_REPORT)
def my_report(report_id: int):
    incident = services.get_own_report_or_404(current_user, report_id, INCIDENT_REPORT)
    return render_template("incidents/my_report.html", incident=incident)


def _filter_choices() -> dict[str, dict[str, str]]:
    return {
        "status": {queries.STATUS_ACTIVE: "Awaiting triage or being handled",
                   **{s.value: s.label for s in IncidentStatus}, queries.STATUS_ANY: "Any, closed too"},
        "category": {"": "Any category", **{c.value: c.label for c in IncidentCategory}},
        "severity": {"": "Any severity", **{s.value: s.label for s in IncidentSeverity}},
        "source": {"": "Anyone", **{s.value: s.label for s in IncidentSource}},
        "department": department_choices("All departments", include_inactive=True),
        "popia": {"": "Any", **queries.POPIA_CHOICES},
    }


@bp.get("")
@permission_required(INCIDENT_VIEW)
def index():
    filters = queries.IncidentFilters.from_args(request.args)
    statement = queries.filtered(filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                            default_direction="desc", tiebreaker=Incident.id)
        return audited_export(rows, incident_columns(), fmt, "khusela-incidents", entity_type="incident",
                              what="incidents")
    listing = Listing.from_request(statement, sort_columns=queries.SORT_COLUMNS, default_sort=queries.DEFAULT_SORT,
                                   default_direction="desc", tiebreaker=Incident.id)
    return render_template("incidents/list.html", listing=listing, filters=filters, choices=_filter_choices(),
                           today=local_today(), clock=services.clock, expected_days=services.expected_days())


@bp.get("/summary")
@permission_required(INCIDENT_VIEW)
def summary():
    today = local_today()
    return render_template("incidents/summary.html", today=today, summary=queries.summary(today),
                           categories={c.value: c.label for c in IncidentCategory}, severities=list(IncidentSeverity),
                           statuses=queries.by_status(), status_labels={s.value: s.label for s in IncidentStatus})
