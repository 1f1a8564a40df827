"""Confirming unchanged ratings on a new matrix version (issue 18, point 2): one risk from its edit
or review form, or every risk of the same scale at once from /risks/reband."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.risks import matrices, services
from app.risks.models import RatingChange, RatingKind, Risk
from tests.pages import audit_entries, error_next_to, page_text, text_of
from tests.risks.conftest import stricter_bands
from tests.risks.test_record_views import edit_form


@pytest.fixture
def on_old_version(make_risk):
    """Two risks scored on version 1; version 2 keeps the levels and changes the bands."""
    risks = [make_risk(title="Phishing", inherent=(4, 4), residual=(4, 2)),
             make_risk(title="Ransomware", inherent=(5, 4), residual=(3, 3))]
    matrices.save_new_version(stricter_bands(), change_note="High from 8", actor=None)
    db.session.commit()
    return risks


def saved(risk) -> Risk:
    db.session.expire_all()
    return db.session.get(Risk, risk.id)


def on_current(risk) -> bool:
    return saved(risk).matrix_id == matrices.current_matrix().id


def test_the_page_lists_the_risks_with_their_band_now_and_on_the_new_version(client, login_as, on_old_version):
    login_as("security_officer")

    text = text_of(client.get("/risks/reband"))

    assert "Confirm ratings on matrix version 2" in text
    assert "R-0001 Phishing version 1 8 Medium 8 High" in text
    assert "Confirm 2 risks" in text


@pytest.mark.parametrize("role", ["risk_owner", "manager", "auditor", "hr_officer"])
def test_only_security_officers_and_administrators_reband(client, login_as, on_old_version, role):
    login_as(role)

    assert client.get("/risks/reband").status_code == 403
    assert client.post("/risks/reband", data={"reason": "x"}).status_code == 403


def test_confirming_moves_every_risk_with_the_reason_and_an_audit_entry_each(client, login_as, on_old_version):
    login_as("admin")
    seen = client.get("/risks/reband")
    state = ",".join(f"{r.id}:{r.version}" for r in on_old_version)
    assert f'value="{state}"' in page_text(seen)

    response = client.post("/risks/reband", data={"seen": state, "reason": "Bands revised by the ISMS forum"},
                           follow_redirects=True)

    assert "Confirmed the ratings of 2 risks on matrix version 2." in text_of(response)
    assert all(on_current(risk) for risk in on_old_version)
    assert services.band_of(saved(on_old_version[0]), RatingKind.RESIDUAL).name == "High"
    assert len([e for e in audit_entries("update") if e.entity_type == "risk"]) == 2
    reasons = db.session.scalars(sa.select(RatingChange.reason)
                                 .where(RatingChange.from_matrix_id != RatingChange.matrix_id))
    assert set(reasons) == {"Bands revised by the ISMS forum"}


def test_a_confirmation_without_a_reason_moves_nothing(client, login_as, on_old_version):
    login_as("security_officer")
    state = ",".join(f"{r.id}:{r.version}" for r in on_old_version)

    response = client.post("/risks/reband", data={"seen": state, "reason": " "})

    assert response.status_code == 422
    assert error_next_to(response, "reason").startswith("Say why the ratings hold on the new matrix version")
    assert not any(on_current(risk) for risk in on_old_version)


def test_a_page_opened_before_someone_changed_a_risk_moves_nothing(client, login_as, on_old_version, officer):
    login_as("security_officer")
    state = ",".join(f"{r.id}:{r.version}" for r in on_old_version)
    risk = on_old_version[0]
    services.update_risk(risk, replace(services.input_of(risk), title="Phishing of staff"),
                         expected_version=risk.version, actor=officer)
    db.session.commit()

    response = client.post("/risks/reband", data={"seen": state, "reason": "Confirmed"}, follow_redirects=True)

    assert "This list of risks to confirm was changed by someone else" in text_of(response)
    assert not any(on_current(r) for r in on_old_version)


def test_nothing_to_confirm_says_so(client, login_as, make_risk):
    make_risk()
    login_as("security_officer")

    assert "No risk is waiting" in text_of(client.get("/risks/reband"))


def test_the_edit_form_offers_to_confirm_unchanged_ratings(client, login_as, on_old_version):
    login_as("security_officer")
    risk = on_old_version[0]

    page = text_of(client.get(f"/risks/{risk.id}/edit"))
    refused = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, on_current_matrix="y"))
    moved = client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, on_current_matrix="y", reason="Confirmed"))

    assert "Confirm these ratings on matrix version 2" in page
    assert refused.status_code == 422
    assert error_next_to(refused, "reason").startswith("Say why these ratings hold on matrix version 2")
    assert moved.status_code == 302 and on_current(risk)


def test_an_unticked_edit_leaves_the_risk_on_its_version(client, login_as, on_old_version):
    login_as("security_officer")
    risk = on_old_version[0]

    client.post(f"/risks/{risk.id}/edit", data=edit_form(risk, title="Phishing of staff"))

    assert saved(risk).title == "Phishing of staff" and not on_current(risk)


def test_a_review_can_confirm_unchanged_ratings(client, login_as, on_old_version):
    login_as("security_officer")
    risk = on_old_version[0]

    response = client.post(f"/risks/{risk.id}/review", data={
        "version": risk.version, "reviewed_on": "2026-12-01", "notes": "Ratings hold.", "on_current_matrix": "y",
        "inherent_likelihood": "4", "inherent_impact": "4", "residual_likelihood": "4", "residual_impact": "2"})

    assert response.status_code == 302 and on_current(risk)


def test_the_checkbox_is_not_offered_for_a_risk_on_the_current_version(client, login_as, make_risk):
    risk = make_risk()
    login_as("security_officer")

    assert "Confirm these ratings on matrix version" not in text_of(client.get(f"/risks/{risk.id}/edit"))
