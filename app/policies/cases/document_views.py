"""A case's timeline page, its case file as a PDF (for the HR file) and the letters of its steps.
The employee appears as the reader may see them; a document with personal details is a view of
them, so it is in the audit log."""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from app.auth.permissions import CASE_VIEW, permission_required
from app.extensions import db
from app.policies.cases import disciplinary, redaction, services, timeline
from app.policies.cases.fairness import CHECK_LABELS
from app.policies.cases.models import CaseHearingNotice, CaseWarning
from app.policies.cases.views import bp
from app.reports.pdf import pdf_response, render_pdf


@bp.get("/<int:case_id>/timeline")
@permission_required(CASE_VIEW)
def case_timeline(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_VIEW)
    if services.sees_personal_details(current_user):
        services.record_view(case, actor=current_user)
    shown = redaction.shown(case, current_user)
    page = render_template("cases/timeline.html", case=shown, events=timeline.events(shown),
                           who=services.person(case.employee, current_user),
                           sees_special=services.sees_personal_details(current_user))
    db.session.commit()
    return page


@bp.get("/<int:case_id>/case-file.pdf")
@permission_required(CASE_VIEW)
def case_file(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_VIEW)
    status = f"Closed on {case.closed_on.isoformat()}" if case.closed_on else "Open: steps still to come"
    shown = redaction.shown(case, current_user)
    content = render_pdf("pdf/case_file.html", title=f"Case file {case.reference}", case=shown,
                         scope_label=f"Policy-violation case {case.reference}", version_label=status,
                         events=timeline.events(shown), who=services.person(case.employee, current_user),
                         similar=services.similar_cases(case, current_user), codes=services.code_summary(case),
                         sees_special=services.sees_personal_details(current_user), **case_file_record(case))
    services.record_document(case, "the case file", actor=current_user)
    db.session.commit()
    return pdf_response(content, f"{case.reference}-case-file.pdf")


def case_file_record(case):
    """What the case file adds for the disciplinary procedure: the referral period of the sanction that
    stands, and who recorded each step when (the case's entries in the audit log)."""
    return {"referral": disciplinary.final_referral(case), "final_sanction": disciplinary.final_sanction(case),
            "check_labels": CHECK_LABELS, "step_records": timeline.recorded_steps(case)}


@bp.get("/<int:case_id>/warnings/<int:warning_id>/letter.pdf")
@permission_required(CASE_VIEW)
def warning_letter(case_id: int, warning_id: int):
    case, warning = services.get_case_part_or_403(current_user, case_id, CaseWarning, warning_id, CASE_VIEW)
    content = render_pdf("pdf/warning_letter.html", title=f"{warning.type_enum.label} — {case.reference}",
                         case=redaction.shown(case, current_user), warning=redaction.shown(case, current_user, warning),
                         who=services.person(case.employee, current_user),
                         agreement=services.governing_agreement())
    services.record_document(case, f"the {warning.type_enum.label.lower()} letter", actor=current_user)
    db.session.commit()
    return pdf_response(content, f"{case.reference}-{warning.warning_type.replace('_', '-')}-warning.pdf")


@bp.get("/<int:case_id>/notices/<int:notice_id>/letter.pdf")
@permission_required(CASE_VIEW)
def notice_letter(case_id: int, notice_id: int):
    case, notice = services.get_case_part_or_403(current_user, case_id, CaseHearingNotice, notice_id, CASE_VIEW)
    content = render_pdf("pdf/hearing_notice.html", title=f"Notice of a disciplinary hearing — {case.reference}",
                         case=redaction.shown(case, current_user), notice=redaction.shown(case, current_user, notice),
                         postponed=notice is not case.notices[0], who=services.person(case.employee, current_user),
                         agreement=services.governing_agreement())
    services.record_document(case, "the notice of the hearing", actor=current_user)
    db.session.commit()
    return pdf_response(content, f"{case.reference}-notice-of-hearing.pdf")


@bp.get("/<int:case_id>/outcome.pdf")
@permission_required(CASE_VIEW)
def outcome_letter(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_VIEW)
    if case.sanction is None:
        abort(404)
    content = render_pdf("pdf/outcome_letter.html", title=f"Outcome of the disciplinary hearing — {case.reference}",
                         case=redaction.shown(case, current_user),
                         sanction=redaction.shown(case, current_user, case.sanction),
                         who=services.person(case.employee, current_user),
                         agreement=services.governing_agreement(),
                         referral=disciplinary.first_referral(case.sanction))
    services.record_document(case, "the outcome letter", actor=current_user)
    db.session.commit()
    return pdf_response(content, f"{case.reference}-outcome.pdf")


@bp.get("/<int:case_id>/appeal-outcome.pdf")
@permission_required(CASE_VIEW)
def appeal_outcome_letter(case_id: int):
    case = services.get_case_or_403(current_user, case_id, CASE_VIEW)
    if case.appeal is None or case.appeal.outcome is None or case.sanction is None:
        abort(404)
    content = render_pdf("pdf/appeal_outcome_letter.html", title=f"Outcome of the appeal — {case.reference}",
                         case=case, appeal=case.appeal, sanction=case.sanction,
                         final_sanction=disciplinary.final_sanction(case), referral=disciplinary.final_referral(case),
                         who=services.person(case.employee, current_user),
                         agreement=services.governing_agreement())
    services.record_document(case, "the appeal outcome letter", actor=current_user)
    db.session.commit()
    return pdf_response(content, f"{case.reference}-appeal-outcome.pdf")
