"""Control tests: recording one, its rules, and where the last result shows (control, SoA, risks)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.controls import services, soa
from app.controls.models import ControlTest
from app.extensions import db
from app.nonconformities.models import Nonconformity
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories

TODAY = date(2026, 11, 29)


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer", full_name="Thandi Mokoena")


def follow_up(owner) -> dict:
    """What a failed result needs: the owner and due date of the nonconformity it raises."""
    return {"nonconformity_owner_id": owner.id, "nonconformity_due_on": date(2027, 1, 31)}


def plan(**changes) -> services.ControlTestInput:
    values = {"what_is_checked": "Leavers' accounts are disabled within 24 hours.",
              "method": "Re-performance on a sample of leavers from the HR system.", "sample": "25 of 212 leavers",
              "tested_on": date(2026, 11, 20), "result": "effective"}
    values.update(changes)
    return services.ControlTestInput(**values)


def test_a_test_is_recorded_audited_and_becomes_the_last_result(officer):
    control = services.annex_a_control("5.18")

    test = services.record_test(control, plan(tester_id=officer.id), actor=officer, today=TODAY)

    assert control.last_test is test and test.tester_id == officer.id
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "test")).one()
    assert (entry.entity_type, entry.entity_id, entry.actor_id) == ("control", str(control.id), officer.id)
    assert entry.summary == "Tested 5.18: Effective"


def test_the_newest_test_by_date_is_the_last_result(officer):
    control = services.annex_a_control("5.18")
    services.record_test(control, plan(tested_on=date(2026, 10, 1), result="ineffective", findings="3 late.",
                                             **follow_up(officer)), actor=officer, today=TODAY)
    services.record_test(control, plan(tested_on=date(2026, 6, 1)), actor=officer, today=TODAY)

    assert control.last_test.result == "ineffective"


@pytest.mark.parametrize(("changes", "field"), [
    ({"what_is_checked": " "}, "what_is_checked"), ({"method": ""}, "method"), ({"tested_on": None}, "tested_on"),
    ({"tested_on": date(2026, 11, 30)}, "tested_on"), ({"result": "great"}, "result"),
    ({"result": "ineffective"}, "findings"),
    ({"result": "partially_effective", "findings": "Two late."}, "nonconformity_owner_id"),
    ({"result": "partially_effective", "findings": "Two late."}, "nonconformity_due_on"),
    ({"result": "ineffective", "findings": "Late.", "nonconformity_owner_id": 999_999,
      "nonconformity_due_on": date(2027, 1, 31)}, "nonconformity_owner_id"),
    ({"tester_id": 999_999}, "tester_id"),
])
def test_a_test_that_breaks_a_rule_is_refused_and_nothing_is_kept(officer, changes, field):
    with pytest.raises(services.ControlRuleError) as refused:
        services.record_test(services.annex_a_control("5.18"), plan(**changes), actor=officer, today=TODAY)

    assert field in [name for name, _ in refused.value.problems]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ControlTest)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nonconformity)) == 0


def test_the_soa_shows_the_newest_test_of_the_control_or_its_internal_controls(officer):
    annex = services.annex_a_control("8.13")
    internal = services.create_internal_control(services.ControlInput(
        reference="IC-004", title="Nightly backup", control_type="Corrective", annex_a_ids=[annex.id]), actor=officer)
    services.record_test(annex, plan(tested_on=date(2026, 5, 1)), actor=officer, today=TODAY)
    services.record_test(internal, plan(tested_on=date(2026, 9, 1), result="partially_effective",
                                              findings="One restore failed.", **follow_up(officer)),
                         actor=officer, today=TODAY)

    [row] = [row for row in soa.soa_rows() if row.control.reference == "8.13"]

    assert row.last_test.control_id == internal.id
    assert soa.test_summary(row.last_test) == "Partially effective (2026-09-01, IC-004)"


def test_a_risk_page_flags_its_controls_found_wanting(client, login_as, officer):
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    control = services.annex_a_control("5.18")
    risk = risks.create_risk(risks.RiskInput(title="Leavers keep access", category_id=category.id,
                                             inherent=Rating(4, 4), residual=Rating(2, 2), control_ids=[control.id]),
                             actor=officer)
    services.record_test(control, plan(result="ineffective", findings="9 of 25 late.",
                                             **follow_up(officer)), actor=officer, today=TODAY)
    login_as(officer)

    page = client.get(f"/risks/{risk.id}").get_data(as_text=True)

    assert "Controls in place found wanting" in page and "5.18 Access rights (ineffective on 2026-11-20)" in page


def test_recording_a_test_through_the_form(client, login_as, officer):
    control = services.annex_a_control("5.18")
    login_as(officer)
    form = client.get(f"/controls/{control.id}/tests/new").get_data(as_text=True)
    assert 'name="tested_on"' in form

    refused = client.post(f"/controls/{control.id}/tests/new", data={
        "what_is_checked": "Leavers disabled", "method": "Sample", "tested_on": "2026-11-20", "result": "ineffective"})
    saved = client.post(f"/controls/{control.id}/tests/new", data={
        "what_is_checked": "Leavers disabled", "method": "Sample", "tested_on": "2026-11-20", "result": "effective",
        "tester_id": str(officer.id)})

    assert refused.status_code == 422 and "Record what was found wanting." in refused.get_data(as_text=True)
    assert saved.status_code == 302
    page = client.get(f"/controls/{control.id}").get_data(as_text=True)
    assert re.search(r'Last test</dt><dd class="col-sm-7">\s*<span class="badge text-bg-success">Effective', page)
    prefilled = client.get(f"/controls/{control.id}/tests/new").get_data(as_text=True)
    assert "Leavers disabled</textarea>" in prefilled


@pytest.mark.parametrize("role", ["risk_owner", "auditor", "manager"])
def test_only_editors_record_tests(client, login_as, role):
    login_as(role)

    assert client.post(f"/controls/{services.annex_a_control('5.18').id}/tests/new", data={}).status_code == 403


def test_a_failed_test_raises_a_nonconformity_linked_both_ways(client, login_as, officer):
    control = services.annex_a_control("5.18")
    owner = factories.make_user("risk_owner", full_name="Anele Owner")
    test = services.record_test(control, plan(result="partially_effective", findings="4 of 25 disabled late.",
                                              nonconformity_owner_id=owner.id,
                                              nonconformity_due_on=date(2027, 2, 28),
                                              nonconformity_severity="major"), actor=officer, today=TODAY)
    db.session.commit()

    nc = test.nonconformity
    assert (nc.reference, nc.source, nc.control_id, nc.owner_id, nc.due_on, nc.severity, nc.raised_on) == (
        "NC-0001", "control_test", control.id, owner.id, date(2027, 2, 28), "major", date(2026, 11, 20))
    assert "4 of 25 disabled late." in nc.description
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "test")).one()
    assert entry.summary == "Tested 5.18: Partially effective; raised NC-0001"
    login_as(officer)
    page = client.get(f"/controls/{control.id}").get_data(as_text=True)
    assert f'href="/nonconformities/{nc.id}">NC-0001</a>' in page


def test_an_effective_test_raises_none(officer):
    services.record_test(services.annex_a_control("5.18"), plan(), actor=officer, today=TODAY)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nonconformity)) == 0


def test_a_test_recorded_before_nonconformities_keeps_its_follow_up_and_can_raise_one(client, login_as, officer):
    control = services.annex_a_control("5.18")
    old = ControlTest(control_id=control.id, what_is_checked="Leavers", method="Sample", tested_on=date(2026, 3, 1),
                      result="ineffective", findings="9 late.", follow_up="HR to notify ICT daily.")
    db.session.add(old)
    db.session.commit()
    login_as(officer)

    page = client.get(f"/controls/{control.id}").get_data(as_text=True)
    assert "Follow-up (recorded before nonconformities):</strong> HR to notify ICT daily." in page
    assert f"/nonconformities/from-test/{old.id}" in page

    raised = client.post(f"/nonconformities/from-test/{old.id}", data={
        "owner_id": str(officer.id), "due_on": "2027-01-31", "severity": "minor"})
    assert raised.status_code == 302
    db.session.refresh(old)
    assert old.nonconformity is not None and "HR to notify ICT daily." in old.nonconformity.description
    assert old.nonconformity.raised_on == date(2026, 3, 1)


def test_the_form_asks_for_the_nonconformity_of_a_failed_result(client, login_as, officer):
    control = services.annex_a_control("5.18")
    login_as(officer)
    refused = client.post(f"/controls/{control.id}/tests/new", data={
        "what_is_checked": "Leavers disabled", "method": "Sample", "tested_on": "2026-11-20",
        "result": "ineffective", "findings": "9 late."})
    saved = client.post(f"/controls/{control.id}/tests/new", data={
        "what_is_checked": "Leavers disabled", "method": "Sample", "tested_on": "2026-11-20",
        "result": "ineffective", "findings": "9 late.", "nonconformity_owner_id": str(officer.id),
        "nonconformity_due_on": "2027-01-31", "nonconformity_severity": "minor"}, follow_redirects=True)

    assert refused.status_code == 422
    assert "Choose who owns the nonconformity this result raises." in refused.get_data(as_text=True)
    assert "Raised nonconformity NC-0001." in saved.get_data(as_text=True)
