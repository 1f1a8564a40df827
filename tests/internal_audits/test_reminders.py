"""Internal audit reminders: an audit starting soon to its team, a report overdue to the lead and the
security officers, and the programme's gaps to the security officers once a month near the cycle's end."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.internal_audits import services
from app.scheduler import reminders
from app.scheduler.kinds import Kind
from tests import factories
from tests.internal_audits.conftest import make_applicable


def test_an_audit_starting_within_the_notice_days_is_told_to_its_team(plan, lead, member):
    audited = plan(lead, team=(member,), start=date(2026, 11, 20), end=date(2026, 11, 27))

    found = reminders.collect(date(2026, 11, 7), kinds=[Kind.AUDIT_STARTING])
    assert [(r.message.item_key, set(r.user_ids)) for r in found] == [
        (f"internal-audit:{audited.id}:starting", {lead.id, member.id})]
    assert reminders.collect(date(2026, 11, 5), kinds=[Kind.AUDIT_STARTING]) == []  # 15 days ahead


def test_an_audit_past_its_end_without_a_report_goes_to_the_lead_and_security_officers(started, lead, officer):
    audited = started(lead)  # planned to end on 13 November
    factories.make_user("security_officer", email="former@example.gov.za").active = False
    db.session.commit()

    assert reminders.collect(date(2026, 11, 13), kinds=[Kind.AUDIT_REPORT_OVERDUE]) == []
    found = reminders.collect(date(2026, 11, 14), kinds=[Kind.AUDIT_REPORT_OVERDUE])
    assert len(found) == 1 and set(found[0].user_ids) == {lead.id, officer.id}
    assert found[0].message.title.startswith(f"Report of internal audit {audited.reference} overdue")


def test_programme_gaps_are_told_monthly_in_the_cycles_last_six_months(programme, plan, lead, officer):
    make_applicable("5.15")
    plan(lead, clauses=[clause for clause in services.CLAUSES_BY_NUMBER if clause != "10.2"])

    assert reminders.collect(date(2028, 7, 30), kinds=[Kind.AUDIT_PROGRAMME_GAPS]) == []  # ends 2029-01-31
    august = reminders.collect(date(2028, 8, 3), kinds=[Kind.AUDIT_PROGRAMME_GAPS])
    assert len(august) == 1 and august[0].user_ids == (officer.id,)
    assert "10.2, A.5.15" in august[0].message.body
    same_month = reminders.collect(date(2028, 8, 20), kinds=[Kind.AUDIT_PROGRAMME_GAPS])
    september = reminders.collect(date(2028, 9, 1), kinds=[Kind.AUDIT_PROGRAMME_GAPS])
    assert same_month[0].message.item_key == august[0].message.item_key != september[0].message.item_key
