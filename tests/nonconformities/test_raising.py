"""Raising a nonconformity: the one entry point every source (audits, tests, incidents) goes through."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.auth.models import User
from app.extensions import db
from app.nonconformities import services
from app.nonconformities.models import Nonconformity, NonconformitySource, NonconformityStatus, Severity
from tests import factories
from tests.threads import run_together

TODAY = date(2026, 11, 30)


def finding(**overrides) -> services.NonconformityInput:
    values = {"title": "Access reviews not performed", "source": NonconformitySource.INTERNAL_AUDIT.value,
              "description": "A.5.18 requires quarterly access reviews; none was done for the HR system in 2026.",
              "severity": Severity.MINOR.value, "clause": "9.2", "source_reference": "IA-2026-01, line 7"}
    return services.NonconformityInput(**(values | overrides))


def test_a_raised_nonconformity_is_open_numbered_and_audited(app):
    officer = factories.make_user("security_officer")
    first = services.raise_nonconformity(finding(), actor=officer, today=TODAY)
    second = services.raise_nonconformity(finding(title="No evidence of backups tested"), actor=officer, today=TODAY)
    db.session.commit()

    assert (first.reference, second.reference) == ("NC-0001", "NC-0002")
    assert first.status == NonconformityStatus.OPEN and first.is_open
    assert first.raised_on == TODAY and first.raised_by_id == officer.id
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "nonconformity",
                                                          AuditEntry.entity_id == str(first.id)))
    assert entry.action == "create" and "NC-0001" in entry.summary


def test_numbers_continue_past_9999(app):
    db.session.add(Nonconformity(reference="NC-9999", title="t", description="d", source="complaint",
                                 severity="minor", raised_on=TODAY))
    db.session.flush()
    assert services.next_reference() == "NC-10000"
    db.session.add(Nonconformity(reference="NC-10000", title="t", description="d", source="complaint",
                                 severity="minor", raised_on=TODAY))
    db.session.flush()
    assert services.next_reference() == "NC-10001"


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"title": "  "}, "title", "short title"),
    ({"description": ""}, "description", "what was found instead"),
    ({"source": "rumour"}, "source", "where the nonconformity was found"),
    ({"severity": "critical"}, "severity", "major or minor"),
    ({"clause": "11.1"}, "clause", "not a clause"),
    ({"control_id": 999_999}, "control_id", "not in the catalogue"),
    ({"raised_on": date(2026, 12, 1)}, "raised_on", "in the future"),
    ({"due_on": date(2026, 11, 1)}, "due_on", "before the date it was raised"),
])
def test_a_bad_nonconformity_is_refused_with_the_field_named_and_nothing_written(app, overrides, field, words):
    officer = factories.make_user("security_officer")
    with pytest.raises(services.NonconformityRuleError) as refused:
        services.raise_nonconformity(finding(**overrides), actor=officer, today=TODAY)
    assert [(name, message) for name, message in refused.value.problems if words in message][0][0] == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nonconformity)) == 0


def test_an_inactive_owner_is_refused(app):
    gone = factories.make_user("risk_owner")
    gone.active = False
    with pytest.raises(services.NonconformityRuleError, match="active user"):
        services.raise_nonconformity(finding(owner_id=gone.id), actor=None, today=TODAY)


def test_people_raising_at_the_same_moment_get_different_numbers(app):
    officer_id = factories.make_user("security_officer").id
    db.session.commit()
    db.session.close()
    started, problems = threading.Barrier(4), []

    def raise_one(person: str) -> None:
        with app.app_context():
            try:
                started.wait(timeout=5)
                services.raise_nonconformity(finding(title=f"Found by {person}"),
                                             actor=db.session.get(User, officer_id), today=TODAY)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - an exception is the finding
                problems.append(f"{person}: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    run_together(raise_one, ["a", "b", "c", "d"], timeout=60)
    assert problems == []
    references = db.session.scalars(sa.select(Nonconformity.reference).order_by(Nonconformity.reference)).all()
    assert references == ["NC-0001", "NC-0002", "NC-0003", "NC-0004"]
