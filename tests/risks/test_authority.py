"""Who may accept a risk above tolerance: the authority its residual band needs (a setting per band),
the designations that give it (head of department, accounting officer), and who is asked."""

from __future__ import annotations

from datetime import date

import pytest

from app.admin import settings
from app.auth import services as accounts
from app.auth.models import AcceptanceAuthority
from app.extensions import db
from app.risks import authority, services
from app.risks.models import RiskStatus
from tests import factories

TODAY = date(2026, 11, 26)
MEDIUM, HIGH, CRITICAL = (3, 3), (4, 4), (5, 4)  # residual 9, 16, 20 on the default 5×5 matrix
OWNER, HOD, AO = (AcceptanceAuthority.RISK_OWNER, AcceptanceAuthority.HEAD_OF_DEPARTMENT,
                  AcceptanceAuthority.ACCOUNTING_OFFICER)


@pytest.fixture
def health(app):
    return factories.make_department("DOH", "Health")


@pytest.fixture
def designate():
    def make(designation: str | None, role: str = "risk_owner", department=None, **fields):
        user = factories.make_user(role, department=department, **fields)
        accounts.set_acceptance_authority(user, designation, actor=None)
        db.session.commit()
        return user

    return make


@pytest.fixture
def risk_in(make_risk, health):
    def make(residual, department=health, **fields):
        return make_risk(inherent=(5, 5), residual=residual, tolerance=4,
                         department_id=department.id if department else None, **fields)

    return make


def accept(risk, actor):
    return services.accept_risk(risk, actor=actor, justification="Treatment funded next year.",
                                expires_on=date(2027, 3, 31), today=TODAY, expected_version=risk.version)


@pytest.mark.parametrize(("residual", "needed"), [(MEDIUM, OWNER), (HIGH, HOD), (CRITICAL, AO)])
def test_the_default_setting_sends_higher_bands_up(risk_in, residual, needed):
    assert authority.required_authority(risk_in(residual)) == needed


def test_the_owner_accepts_a_medium_risk_but_not_a_high_one(risk_in, owner):
    medium, high = risk_in(MEDIUM), risk_in(HIGH, title="Data centre fire")

    assert authority.may_accept(owner, medium) and not authority.may_accept(owner, high)
    with pytest.raises(services.RiskRuleError) as refused:
        accept(high, owner)
    # The refusal names the authority and the people who hold it, so the owner knows whom to ask.
    assert "A High residual risk is accepted by the head of department" in str(refused.value)
    assert "nobody holds that authority" in str(refused.value)
    db.session.rollback()
    assert high.status != RiskStatus.ACCEPTED


def test_the_head_of_the_risks_department_accepts_up_to_their_band(risk_in, designate, health):
    head = designate("head_of_department", department=health, full_name="Lindiwe Dube")
    other_head = designate("head_of_department", department=factories.make_department("DOE", "Education"))
    high, critical = risk_in(HIGH), risk_in(CRITICAL, title="Hospital systems down")

    assert authority.who_may_accept(high) == "A High residual risk is accepted by the head of department: Lindiwe Dube."
    assert not authority.may_accept(other_head, high)
    assert not authority.may_accept(head, critical)
    assert authority.may_accept(head, risk_in(MEDIUM, title="Phishing"))  # a higher authority may accept lower
    acceptance = accept(high, head)
    assert (acceptance.authority, acceptance.residual_band, acceptance.accepted_by_id) == (
        "head_of_department", "High", head.id)


def test_an_accounting_officer_answers_for_their_department_or_for_all(risk_in, designate, health):
    organisation = designate("accounting_officer")
    departmental = designate("accounting_officer", department=factories.make_department("DOE", "Education"))
    critical = risk_in(CRITICAL)
    province_wide = risk_in(CRITICAL, department=None, title="Provincial WAN outage")

    assert authority.may_accept(organisation, critical) and authority.may_accept(organisation, province_wide)
    assert not authority.may_accept(departmental, critical) and not authority.may_accept(departmental, province_wide)
    assert authority.highest_held(organisation, critical) == AO
    assert accept(critical, organisation).authority == "accounting_officer"


def test_without_a_head_of_department_the_accounting_officer_is_asked(risk_in, designate):
    officer = designate("accounting_officer", full_name="Mandla Zulu")
    high = risk_in(HIGH)

    assert authority.acceptors(high) == (AO, [officer])
    assert "nobody is designated for R-0001, so the accounting officer accepts it: Mandla Zulu." in \
        authority.who_may_accept(high)


def test_only_active_accounts_of_roles_that_accept_hold_an_authority(risk_in, designate, health):
    head = designate("head_of_department", department=health)
    admin_head = designate("head_of_department", role="admin", department=health)
    high = risk_in(HIGH)
    assert authority.may_accept(admin_head, high)

    accounts.set_user_active(head, False, expected_version=head.version, actor=None)
    assert not authority.may_accept(head, high)
    # An account whose role was changed after it was designated holds nothing, whatever is stored.
    accounts.update_user(admin_head, expected_version=admin_head.version, email=admin_head.email,
                         full_name=admin_head.full_name, role="auditor", department_id=health.id, actor=None)
    assert not authority.may_accept(admin_head, high)
    assert authority.acceptors(high)[1] == []


@pytest.mark.parametrize(("role", "department", "designation", "message"), [
    ("auditor", True, "accounting_officer", r"its role \(Auditor\) cannot accept risks"),
    ("manager", True, "head_of_department", r"its role \(Manager\) cannot accept risks"),
    ("hr_officer", True, "head_of_department", r"its role \(HR officer\) cannot accept risks"),
    ("risk_owner", False, "head_of_department", "A head of department heads a department"),
    ("risk_owner", True, "chief", "Unknown acceptance authority"),
])
def test_a_designation_an_account_cannot_hold_is_refused(health, role, department, designation, message):
    user = factories.make_user(role, department=health if department else None)
    with pytest.raises(accounts.AccountError, match=message) as refused:
        accounts.set_acceptance_authority(user, designation, actor=None)
    assert refused.value.field == "acceptance_authority"


def test_a_designation_is_audited_on_its_own(designate, health):
    from tests.pages import audit_entries

    head = designate("head_of_department", department=health)
    [entry] = [e for e in audit_entries("update", "user", head.id) if "acceptance_authority" in (e.changes or {})]
    assert entry.summary == f"Designated {head.email}: head of department"
    assert accounts.set_acceptance_authority(head, "head_of_department", actor=None) == {}  # unchanged: no entry


def test_the_setting_per_band_decides(risk_in, owner):
    critical = risk_in(CRITICAL)
    settings.save({settings.RISK_ACCEPTANCE_AUTHORITY: {"critical": "risk_owner", "high": "accounting_officer"}},
                  actor=None)

    assert authority.required_authority(critical) == OWNER
    assert authority.required_authority(risk_in(HIGH, title="Other")) == AO
    assert accept(critical, owner).authority == "risk_owner"


def test_a_band_the_setting_does_not_name_is_the_risk_owners(risk_in):
    settings.save({settings.RISK_ACCEPTANCE_AUTHORITY: {"critical": "nonsense"}}, actor=None)
    assert authority.required_authority(risk_in(CRITICAL)) == OWNER
    assert authority.authority_for_band(None) == OWNER


def test_the_sql_reach_agrees_with_the_rule(risk_in, designate, health, owner):
    import sqlalchemy as sa

    from app.risks.models import Risk

    education = factories.make_department("DOE", "Education")
    risks = [risk_in(MEDIUM, title="Health medium"), risk_in(HIGH, department=education, title="Education high"),
             risk_in(CRITICAL, department=None, title="Province-wide")]
    people = [owner, designate("head_of_department", department=health), designate("accounting_officer"),
              designate("accounting_officer", department=education), factories.make_user("auditor"),
              designate(None, role="admin")]
    for person in people:
        in_sql = set(db.session.scalars(sa.select(Risk.id).where(authority.within_reach(person))))
        assert in_sql == {risk.id for risk in risks if authority.has_some_authority(person, risk)}, person.email
