"""The context's sections of a management review pack: as of the review's date, and what changed
since the previous review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.context.models import ContextStatus
from app.context.review_inputs import issue_changes_for_review, party_changes_for_review
from app.extensions import db
from app.reviews import inputs


def _backdate(record, days: int, today) -> None:
    moment = datetime(today.year, today.month, today.day, 12, tzinfo=UTC) - timedelta(days=days)
    record.created_at = record.updated_at = moment
    db.session.flush()


def _figures(section: dict) -> dict:
    return {item["key"]: item["value"] for item in section["figures"]}


def test_issues_count_as_of_the_date_and_name_what_changed_since_the_last_review(make_issue, today):
    old = make_issue("Ageing and unsupported technology")
    kept = make_issue("Limited capacity", kind="internal")
    retired = make_issue("SITA procurement delays")
    later = make_issue("Fourth industrial revolution threats")
    for issue, days in ((old, 400), (kept, 400), (retired, 400), (later, 5)):
        _backdate(issue, days, today)
    old.title = "Ageing, unsupported technology"
    old.updated_at = datetime.now(UTC) - timedelta(days=30)
    retired.status = ContextStatus.RETIRED.value
    retired.updated_at = datetime.now(UTC) - timedelta(days=30)
    db.session.flush()

    section = issue_changes_for_review(today - timedelta(days=10), today - timedelta(days=200))

    assert _figures(section) == {"issues_active": 2, "issues_changed": 2, "issues_review_overdue": 0}
    changes = {row[0]: row[2] for row in section["tables"][1]["rows"]}
    assert changes == {"Ageing, unsupported technology": "Changed", "SITA procurement delays": "Retired"}


def test_no_issue_by_the_date_is_nothing_recorded(make_issue, today):
    _backdate(make_issue(), 5, today)
    assert issue_changes_for_review(today - timedelta(days=10), today - timedelta(days=200)) is None


def test_parties_and_their_requirements_new_since_the_last_review(make_party, today):
    regulator = make_party(requirements=[("Notify breaches (POPIA s22)", ["5.24"])])
    _backdate(regulator, 10, today)
    section = party_changes_for_review(today, today - timedelta(days=200))
    assert _figures(section)["parties_active"] == 1 and _figures(section)["requirements"] == 1
    assert ["Information Regulator", "Party", "New"] in section["tables"][0]["rows"]


def test_a_review_pack_compiles_the_context_through_its_providers(make_issue, make_party, today):
    make_issue()
    make_party()
    sections = {section["key"]: section for section in inputs.compile(today)["sections"]}
    assert sections["context_issues"]["available"] and sections["interested_parties"]["available"]
    assert _figures(sections["context_issues"])["issues_active"] == 1
    assert _figures(sections["interested_parties"])["parties_active"] == 1
