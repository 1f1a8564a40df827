"""Each computation of the registry against data whose answer is known (rows written directly: the
computations only read them)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.controls.models import Control, ControlSource, Evidence, SoaEntry
from app.extensions import db
from app.objectives.computations import COMPUTATIONS
from app.policies.models import Policy, PolicyAcknowledgement, PolicyVersion
from app.risks.models import TreatmentAction
from tests import factories

AS_OF = date(2026, 12, 6)


def compute(name: str, as_of: date = AS_OF) -> float:
    return COMPUTATIONS[name].compute(as_of)


def annex_a(count: int) -> list[Control]:
    return list(db.session.scalars(sa.select(Control).where(Control.source == ControlSource.ANNEX_A.value)
                                   .order_by(Control.id).limit(count)))


def decide(control: Control, applicable: bool, status: str) -> None:
    db.session.add(SoaEntry(control_id=control.id, applicable=applicable, justification="Because.",
                            implementation_status=status))


def test_soa_implemented_is_the_share_of_applicable_annex_a_controls_implemented(app):
    assert compute("soa_implemented") == 0.0  # nothing decided: nothing to divide by
    first, second, third, fourth, excluded = annex_a(5)
    decide(first, True, "implemented")
    decide(second, True, "implemented")
    decide(third, True, "partially_implemented")
    decide(fourth, True, "planned")
    decide(excluded, False, "not_applicable")
    db.session.commit()

    assert compute("soa_implemented") == 50.0


def test_risks_out_of_tolerance_counts_the_register_filter(app):
    owner = factories.make_user("risk_owner")
    factories.make_risk(owner)  # residual 9 over tolerance 4
    factories.make_risk(owner, title="Phishing")
    within = factories.make_risk(owner, title="Fire")
    within.tolerance = 12
    closed = factories.make_risk(owner, title="Flood")
    closed.status = "closed"
    db.session.commit()

    assert compute("risks_out_of_tolerance") == 2.0


def test_overdue_treatment_actions_are_open_ones_past_their_date(app):
    risk = factories.make_risk(factories.make_user("risk_owner"))
    for title, due_on, status in [("Late", date(2026, 11, 30), "planned"),
                                  ("Late too", date(2026, 12, 5), "in_progress"),
                                  ("Due today", AS_OF, "planned"), ("Done late", date(2026, 10, 1), "done"),
                                  ("Cancelled", date(2026, 10, 1), "cancelled"), ("No date", None, "planned")]:
        db.session.add(TreatmentAction(risk_id=risk.id, title=title, due_on=due_on, status=status))
    db.session.commit()

    assert compute("overdue_treatment_actions") == 2.0
    assert compute("overdue_treatment_actions", date(2026, 12, 1)) == 1.0


def test_evidence_coverage_counts_applicable_controls_with_evidence_current_on_the_day(app):
    current, expired, future, bare, excluded = annex_a(5)
    for control in (current, expired, future, bare):
        decide(control, True, "implemented")
    decide(excluded, False, "not_applicable")
    for control, dated, valid_until in [(current, date(2026, 1, 10), None),
                                        (expired, date(2025, 1, 10), date(2026, 6, 30)),
                                        (future, date(2026, 12, 20), None), (excluded, date(2026, 1, 1), None)]:
        evidence = Evidence(title=f"Evidence of {control.reference}", kind="link", url="https://example.org",
                            evidence_date=dated, valid_until=valid_until)
        evidence.controls.append(control)
        db.session.add(evidence)
    db.session.commit()

    assert compute("evidence_coverage") == 25.0  # 1 of 4: expired, not yet dated and without evidence do not count
    assert compute("evidence_coverage", date(2026, 6, 30)) == 50.0  # the expired one was still valid
    assert compute("evidence_coverage", date(2026, 12, 31)) == 50.0  # the later one is dated by then


def test_policy_acknowledgement_rate_is_of_every_version_in_force_by_every_employee(app):
    staff = [factories.make_employee() for _ in range(4)]
    factories.make_employee(status="left")  # left: owes nothing
    first = Policy(code="ICT-01", title="ICT Security Policy")
    first.versions.append(PolicyVersion(number="1.0", state="approved", approved_on=date(2026, 1, 1)))
    second = Policy(code="ICT-02", title="Acceptable Use Policy")
    second.versions.append(PolicyVersion(number="1.0", state="approved", approved_on=date(2026, 11, 1)))
    draft = Policy(code="ICT-03", title="Draft")
    draft.versions.append(PolicyVersion(number="0.1", state="draft"))
    db.session.add_all([first, second, draft])
    db.session.flush()
    signed = [(first, staff[0], date(2026, 2, 1)), (first, staff[1], date(2026, 2, 1)),
              (first, staff[2], date(2026, 12, 5)), (second, staff[0], date(2026, 11, 20))]
    for policy, employee, on in signed:
        db.session.add(PolicyAcknowledgement(version_id=policy.versions[0].id, employee_id=employee.id,
                                             acknowledged_on=on, method="paper"))
    db.session.commit()

    assert compute("policy_acknowledgement_rate") == 50.0  # 4 of 8 (two policies in force, four employed)
    assert compute("policy_acknowledgement_rate", date(2026, 6, 30)) == 50.0  # 2 of 4: only the first in force
    assert compute("policy_acknowledgement_rate", date(2025, 12, 31)) == 0.0  # none in force yet


@pytest.mark.parametrize("name", sorted(COMPUTATIONS))
def test_every_computation_has_a_title_unit_and_explanation(name):
    computation = COMPUTATIONS[name]
    assert computation.name == name and computation.title and computation.unit and computation.explanation


def test_open_nonconformities_by_age_as_they_stood_on_the_day(app):
    from app.nonconformities import services as nonconformities

    def raise_one(title: str, raised_on: date):
        return nonconformities.raise_nonconformity(nonconformities.NonconformityInput(
            title=title, description="Found in the internal audit.", source="internal_audit", severity="minor",
            raised_on=raised_on), actor=None, today=AS_OF)

    raise_one("Old and open", date(2026, 6, 1))
    raise_one("Recent", date(2026, 11, 20))
    closed = raise_one("Closed in October", date(2026, 5, 1))
    closed.status, closed.closed_on = "closed", date(2026, 10, 15)
    raise_one("Raised on the day", AS_OF)
    db.session.commit()

    assert compute("open_nonconformities") == 3.0
    assert compute("old_open_nonconformities") == 1.0  # only "Old and open" is over 90 days
    assert compute("open_nonconformities", date(2026, 10, 1)) == 2.0  # the closed one was still open
    assert compute("old_open_nonconformities", date(2026, 10, 1)) == 2.0  # both raised over 90 days before
    assert compute("open_nonconformities", date(2026, 4, 30)) == 0.0
