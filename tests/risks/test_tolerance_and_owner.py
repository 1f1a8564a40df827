"""Tolerance and ownership are kept by the security officer and administrators (issue 17, point 4):
a risk owner cannot take their out-of-tolerance risk off the list by raising its tolerance or
handing it to someone else; only an acceptance (with a justification and an end date) does that."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.risks import services
from app.risks.models import Risk
from tests import factories
from tests.pages import error_next_to, page_text
from tests.risks.test_record_views import edit_form


@pytest.fixture
def out_of_tolerance(make_risk):
    risk = make_risk(inherent=(4, 4), residual=(3, 3), tolerance=4)
    assert risk.out_of_tolerance
    return risk


def saved(risk) -> Risk:
    db.session.expire_all()
    return db.session.get(Risk, risk.id)


def test_a_risk_owner_cannot_raise_the_tolerance_in_the_service(out_of_tolerance, owner):
    data = services.input_of(out_of_tolerance)
    data.tolerance = 25

    with pytest.raises(services.RiskRuleError) as refused:
        services.update_risk(out_of_tolerance, data, expected_version=out_of_tolerance.version, actor=owner)

    assert "Only a security officer or an administrator may change a risk's tolerance" in str(refused.value)
    db.session.rollback()
    assert saved(out_of_tolerance).tolerance == 4


def test_a_risk_owner_cannot_hand_the_risk_to_another_owner_in_the_service(out_of_tolerance, owner):
    data = services.input_of(out_of_tolerance)
    data.owner_id = factories.make_user("risk_owner").id

    with pytest.raises(services.RiskRuleError) as refused:
        services.update_risk(out_of_tolerance, data, expected_version=out_of_tolerance.version, actor=owner)

    assert "hand a risk to another owner" in str(refused.value)


@pytest.mark.parametrize("role", ["security_officer", "admin"])
def test_the_security_officer_and_administrators_set_tolerance_and_owner(out_of_tolerance, role):
    new_owner = factories.make_user("risk_owner")
    data = services.input_of(out_of_tolerance)
    data.tolerance, data.owner_id = 12, new_owner.id

    services.update_risk(out_of_tolerance, data, expected_version=out_of_tolerance.version,
                         actor=factories.make_user(role))
    db.session.commit()

    assert (saved(out_of_tolerance).tolerance, saved(out_of_tolerance).owner_id) == (12, new_owner.id)


def test_a_risk_owner_still_edits_everything_else(out_of_tolerance, owner):
    data = services.input_of(out_of_tolerance)
    data.description = "Ransomware through phishing e-mail."

    services.update_risk(out_of_tolerance, data, expected_version=out_of_tolerance.version, actor=owner)
    db.session.commit()

    assert saved(out_of_tolerance).description == "Ransomware through phishing e-mail."


def test_the_owners_edit_page_shows_tolerance_and_owner_as_text(client, login_as, owner, out_of_tolerance):
    login_as(owner)

    page = page_text(client.get(f"/risks/{out_of_tolerance.id}/edit"))

    assert 'name="tolerance"' not in page and 'name="owner_id"' not in page
    assert "Set by the security officer" in page and owner.full_name in page


def test_a_tolerance_or_owner_posted_by_a_risk_owner_changes_nothing(client, login_as, owner, out_of_tolerance):
    login_as(owner)
    other = factories.make_user("risk_owner")

    response = client.post(f"/risks/{out_of_tolerance.id}/edit",
                           data=edit_form(out_of_tolerance, tolerance="25", owner_id=str(other.id)))

    assert response.status_code == 302
    risk = saved(out_of_tolerance)
    assert (risk.tolerance, risk.owner_id, risk.out_of_tolerance) == (4, owner.id, True)


def test_the_officers_edit_page_keeps_the_fields(client, login_as, out_of_tolerance):
    login_as("security_officer")

    response = client.post(f"/risks/{out_of_tolerance.id}/edit", data=edit_form(out_of_tolerance, tolerance="99"))

    assert response.status_code == 422
    assert "tolerance level must be a score from 1 to 25" in error_next_to(response, "tolerance")
    assert saved(out_of_tolerance).tolerance == 4
