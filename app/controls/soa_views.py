"""The Statement of Applicability: the table, deciding one control, coverage, and issued versions."""

from __future__ import annotations

from typing import TypedDict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.permissions import SOA_EDIT, SOA_ISSUE, SOA_VIEW, permission_required
from app.common.choices import active_users
from app.common.export import audited_export
from app.common.listing import requested_export
from app.common.saving import saving
from app.common.timeutil import local_today
from app.controls import services, soa
from app.controls.annex_a import THEMES
from app.controls.exports import soa_columns
from app.controls.forms import IssueSoaForm, SoaEntryForm
from app.controls.models import ImplementationStatus
from app.controls.views import soa_bp as bp

# Risks named on each row of the table and beside the decision form; the rest are one link away
# (the risk register filtered by the control), so the page stays readable with thousands of links.
RISKS_PER_ROW = 5
INTERNAL_CONTROLS_PER_ROW = 5  # the rest on the Annex A control's page
RISKS_ON_EDIT_PAGE = 20


class SoaFilters(TypedDict):
    """The table's filters from the query string, each "" when not chosen: soa_rows()'s keywords."""

    theme: str
    applicable: str
    status: str


def _filters() -> SoaFilters:
    theme = request.args.get("theme", "")
    applicable = request.args.get("applicable", "")
    status = request.args.get("status", "")
    return {
        "theme": theme if theme in THEMES else "",
        "applicable": applicable if applicable in ("yes", "no", "undecided") else "",
        "status": status if status in {s.value for s in ImplementationStatus} else "",
    }


@bp.get("")
@permission_required(SOA_VIEW)
def index():
    filters = _filters()
    fmt = requested_export()
    if fmt:
        rows = soa.soa_rows(**filters)
        return audited_export([soa.as_record(row) for row in rows], soa_columns(), fmt,
                              "khusela-statement-of-applicability", entity_type="soa_entry",
                              what="Statement of Applicability rows")
    rows = soa.soa_rows(**filters, risks_per_row=RISKS_PER_ROW)
    latest = soa.versions()[:1]
    choices = {
        "theme": {"": "Any theme", **{theme: theme for theme in THEMES}},
        "applicable": {"": "Any", "yes": "Yes", "no": "No", "undecided": "Not decided yet"},
        "status": {"": "Any status", **{status.value: status.label for status in ImplementationStatus}},
    }
    return render_template(
        "soa/index.html", rows=rows, filters=filters, choices=choices,
        latest=latest[0] if latest else None, undecided=sum(1 for row in rows if not row.decided),
        export_args={key: value for key, value in filters.items() if value}, internal_per_row=INTERNAL_CONTROLS_PER_ROW,
    )


@bp.route("/<int:control_id>/edit", methods=["GET", "POST"])
@permission_required(SOA_EDIT)
def edit(control_id: int):
    control = services.get_control(control_id)
    if control is None or not control.is_annex_a:
        abort(404)
    entry = soa.entry_for(control)
    form = SoaEntryForm()
    form.set_owner_choices(active_users(keep_id=entry.owner_id if entry else None))
    if request.method == "GET":
        form.version.data = str(entry.version) if entry else ""
        if entry:
            form.applicable.data = "yes" if entry.applicable else "no"
            form.reasons.data = [reason.value for reason in entry.reasons]
            form.justification.data = entry.justification
            form.status.data = entry.implementation_status if entry.applicable else ""
            form.owner_id.data = str(entry.owner_id or "")
        return _render_edit(form, control, entry)
    if form.validate_on_submit():
        data = soa.SoaInput(
            applicable={"yes": True, "no": False}.get(form.applicable.data),
            justification=form.justification.data or "",
            reasons=list(form.reasons.data or []), status=form.status.data or None,
            owner_id=int(form.owner_id.data) if form.owner_id.data else None)
        with saving(form, soa.SoaRuleError, stale_url=url_for("soa.edit", control_id=control.id)):
            changes = soa.save_entry(control, data, expected_version=form.version.data or None, actor=current_user)
            flash(f"Saved the decision on {control.reference} {control.title}." if changes else "Nothing changed.",
                  "success" if changes else "info")
            return redirect(url_for("soa.index", _anchor=f"control-{control.reference}"))
    return _render_edit(form, control, entry, 422)


def _render_edit(form: SoaEntryForm, control, entry, status: int = 200):
    # What relies on it, counted as the SoA table counts it (controls in use, open risks).
    row = soa.soa_row(control, risks_per_row=RISKS_ON_EDIT_PAGE)
    return render_template("soa/edit.html", form=form, control=control, entry=entry, row=row,
                           mappings_2013=services.mappings_2013_for(control)), status


@bp.get("/coverage")
@permission_required(SOA_VIEW)
def coverage():
    return render_template("soa/coverage.html", coverage=soa.coverage(local_today()), themes=THEMES,
                           statuses=list(ImplementationStatus))


@bp.get("/versions")
@permission_required(SOA_VIEW)
def versions():
    return render_template("soa/versions.html", versions=soa.versions())


@bp.get("/versions/<int:number>")
@permission_required(SOA_VIEW)
def version(number: int):
    issued = soa.get_version(number) or abort(404)
    fmt = requested_export()
    if fmt:
        return audited_export(issued.rows, soa_columns(), fmt, f"khusela-statement-of-applicability-v{number}",
                              entity_type="soa_version", what=f"rows of Statement of Applicability version {number}")
    return render_template("soa/version.html", issued=issued, rows=issued.rows, versions=soa.versions())


@bp.get("/versions/compare")
@permission_required(SOA_VIEW)
def compare():
    older, newer = (_version(request.args.get(name, "")) for name in ("older", "newer"))
    if older is None or newer is None:
        flash("Choose two issued versions to compare.", "warning")
        return render_template("soa/versions.html", versions=soa.versions())
    if older.number > newer.number:
        older, newer = newer, older
    return render_template("soa/compare.html", older=older, newer=newer, differences=soa.compare(older, newer),
                           versions=soa.versions())


def _version(text: str):
    """The issued version a query-string number names, or None for anything else."""
    text = text.strip()
    return soa.get_version(int(text)) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@bp.route("/issue", methods=["GET", "POST"])
@permission_required(SOA_ISSUE)
def issue():
    form = IssueSoaForm()
    controls = soa.annex_a_controls()
    undecided = [control for control in controls if control.soa_entry is None]
    if request.method == "GET":
        form.approved_on.data = local_today()
        return _render_issue(form, controls, undecided)
    if form.validate_on_submit():
        assert form.approved_on.data is not None  # InputRequired: a form that validated holds a date
        with saving(form, soa.SoaRuleError):
            issued = soa.issue_version(approver=form.approver.data, approved_on=form.approved_on.data,
                                       note=form.note.data or "", actor=current_user, today=local_today())
            flash(f"Issued Statement of Applicability version {issued.number}.", "success")
            return redirect(url_for("soa.version", number=issued.number))
    return _render_issue(form, controls, undecided, 422)


def _render_issue(form: IssueSoaForm, controls, undecided, status: int = 200):
    latest = soa.versions()[:1]
    return render_template("soa/issue.html", form=form, total=len(controls), undecided=undecided,
                           latest=latest[0] if latest else None), status
