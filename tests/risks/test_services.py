"""Risk register use cases against a fresh database: what is saved, refused, recorded and audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import Forbidden, NotFound

from app.admin import settings
from app.audit.models import AuditEntry
from app.auth import services as accounts
from app.auth.permissions import RISK_ACCEPT, RISK_EDIT, RISK_IMPORT, RISK_VIEW
from app.common.models import StaleEditError
from app.common.timeutil import local_today
from app.controls.services import annex_a_control
from app.extensions import db
from app.risks import matrices, scoring, services
from app.risks.models import RatingKind, Risk, RiskStatus
from app.risks.scoring import Rating
from tests import factories
from tests.risks.conftest import input_from, stricter_bands

TODAY = date(2026, 11, 25)


def entries(action: str, entity_type: str = "risk") -> list[AuditEntry]:
    return list(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == action, AuditEntry.entity_type == entity_type)
        .order_by(AuditEntry.id)
    ))


# --- creating --------------------------------------------------------------------------------


def test_the_provincial_information_security_risk(make_risk, officer):
    risk = make_risk(
        title="Information Security", inherent=(4, 4), residual=(3, 3), tolerance=4,
        factors=[("Attack by an external source", "H"), ("Limited adherence to ICT policies", "M")],
    )
    assert risk.reference == "R-0001"
    assert (risk.inherent_score, risk.residual_score, risk.tolerance) == (16, 9, 4)
    assert services.band_of(risk, RatingKind.INHERENT).name == "High"
    assert services.band_of(risk, RatingKind.RESIDUAL).name == "Medium"
    assert risk.out_of_tolerance
    assert [(f.rating, f.description) for f in risk.factors] == [
        ("H", "Attack by an external source"), ("M", "Limited adherence to ICT policies")]
    assert risk.matrix_id == matrices.current_matrix().id
    created = entries("create")[-1]
    assert created.actor_id == officer.id and created.entity_id == str(risk.id)
    assert '"residual_impact":[null,3]' in created.changes


def test_references_count_up(make_risk):
    assert [make_risk(title=f"Risk {n}").reference for n in range(3)] == ["R-0001", "R-0002", "R-0003"]


def test_tolerance_defaults_to_the_setting(make_risk):
    settings.save({settings.RISK_DEFAULT_TOLERANCE: 9}, actor=None)
    db.session.commit()
    assert make_risk().tolerance == 9


def test_every_initial_rating_starts_the_timeline(make_risk):
    risk = make_risk(target=(2, 2))
    history = services.rating_history(risk)
    assert sorted((c.kind, c.from_score, c.to_score) for c in history) == [
        ("inherent", None, 16), ("residual", None, 9), ("target", None, 4)]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"residual": (4, 5)}, "residual_likelihood",
         "The residual rating (20) cannot exceed the inherent rating (16)"),
        ({"residual": (2, 2), "target": (3, 3)}, "target_likelihood", "The target rating (9) cannot exceed"),
        ({"inherent": (6, 1)}, "inherent_likelihood", "Inherent likelihood 6 is outside the risk matrix"),
        ({"tolerance": 26}, "tolerance", "The tolerance level must be a score from 1 to 25."),
        ({"title": "  "}, "title", "Give the risk a title."),
        ({"status": "closed"}, "status", "accepted or closed with its own step"),
        ({"review_frequency_months": 0}, "review_frequency_months", "1 to 36"),
        ({"factors": [("", "H")]}, "factors", "Contributing factor 1 has no description."),
        ({"factors": [("Ageing technology", "X")]}, "factors", "rate it H, M or L"),
        ({"owner_id": 999}, "owner_id", "The risk owner must be an active user."),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(make_risk, changes, field, message):
    with pytest.raises(services.RiskRuleError) as refused:
        make_risk(**changes)
    assert any(f == field and message in text for f, text in refused.value.problems), refused.value.problems
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == 0
    assert entries("create") == []


def test_a_subcategory_must_belong_to_the_category(make_risk, category):
    from app.risks.models import RiskCategory

    other = RiskCategory(name="Compliance")
    db.session.add(other)
    db.session.flush()
    stray = RiskCategory(name="POPIA", parent_id=other.id)
    db.session.add(stray)
    db.session.commit()
    with pytest.raises(services.RiskRuleError, match="Choose a subcategory of the chosen category"):
        make_risk(subcategory_id=stray.id)


# --- editing and re-scoring --------------------------------------------------------------------


def test_editing_text_keeps_the_ratings_and_the_timeline(make_risk, officer):
    risk = make_risk()
    services.update_risk(risk, input_from(risk, title="Cyber attack"), expected_version=risk.version, actor=officer)
    assert risk.title == "Cyber attack"
    assert len(services.rating_history(risk)) == 2
    assert entries("update")[-1].changes == '{"title":["Cyber attack on provincial systems","Cyber attack"]}'


def test_re_scoring_needs_a_reason_and_records_from_and_to(make_risk, officer):
    risk = make_risk()
    with pytest.raises(services.RiskRuleError, match="Say why the ratings change"):
        services.update_risk(risk, input_from(risk, residual=Rating(2, 3)), expected_version=risk.version,
                             actor=officer)
    db.session.rollback()
    services.update_risk(risk, input_from(risk, residual=Rating(2, 3)), expected_version=risk.version,
                         actor=officer, reason="Firewall replaced")
    latest = services.rating_history(risk)[0]
    assert (latest.kind, latest.from_score, latest.to_score, latest.reason) == ("residual", 9, 6, "Firewall replaced")
    assert latest.changed_by_id == officer.id
    assert risk.residual_score == 6


def test_a_stale_edit_is_refused(make_risk, officer):
    risk = make_risk()
    opened = risk.version
    services.update_risk(risk, input_from(risk, title="First"), expected_version=opened, actor=officer)
    db.session.commit()
    with pytest.raises(StaleEditError):
        services.update_risk(risk, input_from(risk, title="Second"), expected_version=opened, actor=officer)
    db.session.rollback()
    assert db.session.get(Risk, risk.id).title == "First"


def test_a_new_matrix_never_rewrites_saved_ratings(make_risk, officer):
    risk = make_risk(inherent=(5, 5), residual=(4, 4))
    old_matrix_id = risk.matrix_id
    matrices.save_new_version(scoring.default_matrix(4), change_note="Move to 4×4", actor=None)
    db.session.expire_all()
    assert (risk.matrix_id, risk.inherent_score, risk.residual_score) == (old_matrix_id, 25, 16)
    assert matrices.risks_to_rescore_count() == 1 and services.rebandable_risks() == []  # 5×5 levels on a 4×4
    assert services.band_of(risk, RatingKind.INHERENT).name == "Critical"  # still read on its own matrix
    # Editing words keeps it on its own matrix; re-scoring moves it to the current one.
    services.update_risk(risk, input_from(risk, title="Renamed"), expected_version=risk.version, actor=officer)
    assert risk.matrix_id == old_matrix_id
    services.update_risk(risk, input_from(risk, inherent=Rating(4, 4), residual=Rating(3, 3)),
                         expected_version=risk.version, actor=officer, reason="Re-scored on the 4×4 matrix")
    assert risk.matrix_id == matrices.current_matrix().id
    assert matrices.risks_to_rescore_count() == 0
    moved = [c for c in services.rating_history(risk) if c.from_matrix_id == old_matrix_id]
    assert {c.kind for c in moved} == {"inherent", "residual"}  # it has no target rating


def test_re_scoring_is_checked_against_the_current_matrix(make_risk, officer):
    risk = make_risk(inherent=(5, 5), residual=(4, 4))
    matrices.save_new_version(scoring.default_matrix(4), change_note="Move to 4×4", actor=None)
    with pytest.raises(services.RiskRuleError, match="Inherent likelihood 5 is outside the risk matrix; choose 1 to 4"):
        services.update_risk(risk, input_from(risk, residual=Rating(3, 3)), expected_version=risk.version,
                             actor=officer, reason="Re-score")


def test_confirming_unchanged_ratings_moves_the_risk_to_the_new_version(make_risk, officer):
    risk = make_risk(inherent=(4, 4), residual=(4, 2))
    old = risk.matrix_id
    new = matrices.save_new_version(stricter_bands(), change_note="High from 8", actor=None)
    db.session.commit()
    assert services.band_of(risk, RatingKind.RESIDUAL).name == "Medium"

    with pytest.raises(services.RiskRuleError, match="Say why these ratings hold on matrix version 2"):
        services.update_risk(risk, replace(services.input_of(risk), on_current_matrix=True),
                             expected_version=risk.version, actor=officer)
    db.session.rollback()
    services.update_risk(risk, replace(services.input_of(risk), on_current_matrix=True),
                         expected_version=risk.version, actor=officer, reason="Ratings confirmed at the forum")
    db.session.commit()

    assert risk.matrix_id == new.id and risk.residual_score == 8
    assert services.band_of(risk, RatingKind.RESIDUAL).name == "High"
    moved = [c for c in services.rating_history(risk) if c.from_matrix_id == old]
    assert {(c.kind, c.from_score, c.to_score, c.reason) for c in moved} == {
        ("inherent", 16, 16, "Ratings confirmed at the forum"), ("residual", 8, 8, "Ratings confirmed at the forum")}
    assert f'"matrix_id":[{old},{new.id}]' in entries("update")[-1].changes


def test_confirming_on_the_version_the_risk_is_already_on_changes_nothing(make_risk, officer):
    risk = make_risk()

    changes = services.update_risk(risk, replace(services.input_of(risk), on_current_matrix=True),
                                   expected_version=risk.version, actor=officer)

    assert changes == {} and services.rating_history(risk)[0].reason == "Initial assessment"


def test_saving_a_risk_as_it_stands_rewrites_neither_its_causes_nor_its_controls(make_risk, officer):
    # Loaded ordered by reference ("8.20" before "8.7"), linked ordered by sort key: the same two
    # controls once read as a change; the causes were deleted and inserted again on every save.
    controls = [annex_a_control("8.7").id, annex_a_control("8.20").id]
    risk = make_risk(factors=[("Attack by an external source", "H")], control_ids=controls)
    factor_ids, version = [factor.id for factor in risk.factors], risk.version

    changes = services.update_risk(risk, services.input_of(risk), expected_version=risk.version, actor=officer)
    db.session.commit()

    assert changes == {} and risk.version == version
    assert [factor.id for factor in db.session.get(Risk, risk.id).factors] == factor_ids


def test_an_accepted_risk_keeps_its_acceptance_when_its_ratings_are_confirmed(make_risk, officer, owner):
    risk = make_risk(inherent=(5, 5), residual=(3, 3), tolerance=8)  # Medium: its owner accepts it
    services.accept_risk(risk, actor=owner, justification="Budget in 2027", expires_on=TODAY + timedelta(days=90),
                         today=TODAY, expected_version=risk.version)
    matrices.save_new_version(stricter_bands(), change_note="High from 8", actor=None)

    services.update_risk(risk, replace(services.input_of(risk), on_current_matrix=True),
                         expected_version=risk.version, actor=officer, reason="Confirmed")

    assert risk.status == RiskStatus.ACCEPTED and services.current_acceptance(risk) is not None


def test_rebanding_moves_every_open_risk_of_the_same_scale_with_an_entry_each(make_risk, officer):
    first, second = make_risk(title="First"), make_risk(title="Second")
    closed = make_risk(title="Closed")
    services.close_risk(closed, expected_version=closed.version, reason="Gone", actor=officer)
    new = matrices.save_new_version(stricter_bands(), change_note="High from 8", actor=None)
    db.session.commit()
    updates_before = len(entries("update"))

    with pytest.raises(services.RiskRuleError, match="Say why the ratings hold"):
        services.reband_on_current_matrix(actor=officer, reason=" ")
    moved = services.reband_on_current_matrix(actor=officer, reason="Bands revised by the ISMS forum")
    db.session.commit()

    assert moved == [first, second] and {first.matrix_id, second.matrix_id} == {new.id}
    assert closed.matrix_id != new.id
    assert len(entries("update")) == updates_before + 2
    assert services.rebandable_risks() == []


def test_risks_on_a_matrix_of_another_size_are_not_rebanded(make_risk, officer):
    risk = make_risk()
    matrices.save_new_version(scoring.default_matrix(4), change_note="4×4", actor=None)

    assert services.reband_on_current_matrix(actor=officer, reason="Try") == []
    assert risk.matrix_id != matrices.current_matrix().id


# --- closing, reviews --------------------------------------------------------------------------


def test_closing_needs_a_reason(make_risk, officer):
    risk = make_risk()
    with pytest.raises(services.RiskRuleError, match="Say why the risk is closed"):
        services.close_risk(risk, expected_version=risk.version, reason=" ", actor=officer)
    services.close_risk(risk, expected_version=risk.version, reason="System decommissioned", actor=officer)
    assert risk.status == RiskStatus.CLOSED
    assert "System decommissioned" in entries("close")[-1].summary


def test_a_review_moves_the_next_review_date(make_risk, officer):
    risk = make_risk(review_frequency_months=6, next_review_on=date(2026, 8, 31))
    assert services.review_overdue(risk, TODAY)
    services.record_review(risk, reviewed_on=date(2026, 11, 20), today=TODAY, reviewer=officer,
                           notes="Controls checked", expected_version=risk.version)
    assert risk.next_review_on == date(2027, 5, 20)
    assert not services.review_overdue(risk, TODAY)
    assert entries("review")[-1].changes == '{"next_review_on":["2026-08-31","2027-05-20"]}'


def test_a_review_can_re_score(make_risk, officer):
    risk = make_risk()
    services.record_review(risk, reviewed_on=TODAY, today=TODAY, reviewer=officer, notes="SOC in place",
                           expected_version=risk.version, rescored=input_from(risk, residual=Rating(2, 2)))
    assert risk.residual_score == 4
    assert services.rating_history(risk)[0].reason == "Review of 2026-11-25"


def test_a_review_cannot_be_in_the_future(make_risk, officer):
    risk = make_risk()
    with pytest.raises(services.RiskRuleError, match="future"):
        services.record_review(risk, reviewed_on=date(2026, 11, 26), today=TODAY, reviewer=officer, notes="",
                               expected_version=risk.version)


# --- acceptance --------------------------------------------------------------------------------


def test_the_owner_accepts_a_risk_out_of_tolerance(make_risk, owner):
    risk = make_risk(tolerance=4)
    acceptance = services.accept_risk(risk, actor=owner, justification="Budget for SOC only in 2027/28",
                                      expires_on=date(2027, 6, 30), today=TODAY, expected_version=risk.version)
    assert risk.status == RiskStatus.ACCEPTED
    assert (acceptance.residual_score, acceptance.tolerance, acceptance.accepted_by_id) == (9, 4, owner.id)
    assert services.current_acceptance(risk) == acceptance
    assert "until 2027-06-30" in entries("accept")[-1].summary


@pytest.mark.parametrize(
    ("who", "justification", "expires_on", "message"),
    [
        ("officer", "Reason", date(2027, 1, 1), "You may not accept R-0001. A Medium residual risk is accepted by "
                                                "its risk owner"),
        ("owner", " ", date(2027, 1, 1), "Give the justification"),
        ("owner", "Reason", TODAY, "must expire after today"),
        ("owner", "Reason", date(2027, 11, 26), "at most 12 months: choose a date on or before 2027-11-25"),
    ],
)
def test_acceptance_rules(make_risk, officer, owner, who, justification, expires_on, message):
    risk = make_risk(tolerance=4)
    actor = {"officer": officer, "owner": owner}[who]
    with pytest.raises(services.RiskRuleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.accept_risk(risk, actor=actor, justification=justification, expires_on=expires_on, today=TODAY,
                             expected_version=risk.version)
    db.session.rollback()
    assert risk.status == RiskStatus.DRAFT
    assert entries("accept") == []


def test_an_admin_accepts_only_with_an_authority_and_a_risk_within_tolerance_needs_no_acceptance(make_risk):
    admin = factories.make_user("admin")
    within = make_risk(residual=(2, 2), tolerance=4)
    with pytest.raises(services.RiskRuleError, match="within tolerance"):
        services.accept_risk(within, actor=admin, justification="x", expires_on=date(2027, 1, 1), today=TODAY,
                             expected_version=within.version)
    db.session.rollback()
    above = make_risk(tolerance=4)
    # Being an administrator is no authority to retain the organisation's risks (issue 18, point 8).
    with pytest.raises(services.RiskRuleError, match="You may not accept"):
        services.accept_risk(above, actor=admin, justification="x", expires_on=date(2027, 1, 1), today=TODAY,
                             expected_version=above.version)
    db.session.rollback()
    accounts.set_acceptance_authority(admin, "accounting_officer", actor=None)
    services.accept_risk(above, actor=admin, justification="AO decision", expires_on=date(2027, 1, 1), today=TODAY,
                         expected_version=above.version)
    assert above.status == RiskStatus.ACCEPTED


def test_the_longest_acceptance_is_a_setting(make_risk, owner):
    settings.save({settings.RISK_ACCEPTANCE_MAX_MONTHS: 3}, actor=None)
    db.session.commit()
    risk = make_risk(tolerance=4)
    with pytest.raises(services.RiskRuleError, match="at most 3 months"):
        services.accept_risk(risk, actor=owner, justification="x", expires_on=date(2027, 3, 1), today=TODAY,
                             expected_version=risk.version)


def test_expired_acceptances_return_the_risk_to_open(make_risk, owner):
    risk = make_risk(tolerance=4)
    services.accept_risk(risk, actor=owner, justification="Interim", expires_on=date(2026, 12, 31), today=TODAY,
                         expected_version=risk.version)
    assert services.expire_acceptances(date(2026, 12, 31)) == []  # still valid on its last day
    assert services.expire_acceptances(date(2027, 1, 1)) == [risk]
    assert risk.status == RiskStatus.OPEN
    assert services.current_acceptance(risk) is None
    assert services.expire_acceptances(date(2027, 1, 2)) == []  # safe to run again
    assert len(entries("acceptance_expired")) == 1


# --- treatment actions -------------------------------------------------------------------------


def test_actions_are_added_updated_and_flagged_when_overdue(make_risk, officer, owner):
    risk = make_risk()
    action = services.add_action(risk, title="Establish a SOC", owner_id=owner.id, due_on=date(2026, 10, 31),
                                 actor=officer, control_id=annex_a_control("8.16").id)
    assert risk.status == RiskStatus.IN_TREATMENT
    assert action.is_overdue(TODAY)
    services.update_action(action, expected_version=action.version, title=action.title, owner_id=owner.id,
                           due_on=action.due_on, status="done", progress_note="SOC live",
                           control_id=action.control_id,
                           actor=owner)
    assert not action.is_overdue(TODAY)
    assert entries("update", "risk_action")[-1].changes == (
        f'{{"completed_on":[null,"{local_today().isoformat()}"],"progress_note":["","SOC live"],'
        '"status":["planned","done"]}')


def test_an_action_needs_a_title_and_a_known_status(make_risk, officer):
    risk = make_risk()
    with pytest.raises(services.RiskRuleError) as refused:
        services.add_action(risk, title="", owner_id=None, due_on=None, actor=officer, status="someday")
    assert {field for field, _ in refused.value.problems} == {"title", "status"}


def test_who_may_edit_and_accept(make_risk, owner):
    risk = make_risk()
    other_owner = factories.make_user("risk_owner")
    auditor = factories.make_user("auditor")
    assert services.can_edit(owner, risk) and not services.can_edit(other_owner, risk)
    assert not services.can_edit(auditor, risk)
    assert services.can_accept(owner, risk) and not services.can_accept(other_owner, risk)


def test_get_risk_or_403_lets_a_risk_owner_read_every_risk_but_change_only_their_own(make_risk, owner):
    risk = make_risk()
    other_owner = factories.make_user("risk_owner")

    assert services.get_risk_or_403(other_owner, risk.id, RISK_VIEW) is risk
    for need in (RISK_EDIT, RISK_ACCEPT):
        assert services.get_risk_or_403(owner, risk.id, need) is risk
        with pytest.raises(Forbidden):
            services.get_risk_or_403(other_owner, risk.id, need)
    with pytest.raises(Forbidden):  # a security officer edits any risk, but accepting is the owner's
        services.get_risk_or_403(factories.make_user("security_officer"), risk.id, RISK_ACCEPT)
    with pytest.raises(NotFound):
        services.get_risk_or_403(owner, 999_999, RISK_VIEW)
    with pytest.raises(KeyError, match="RISK_RULES"):  # a permission with no per-risk rule is a programming error
        services.get_risk_or_403(owner, risk.id, RISK_IMPORT)


def test_get_action_or_403_needs_the_action_to_be_of_that_risk(make_risk, owner):
    risk, other_risk = make_risk(), make_risk(title="Phishing")
    action = services.add_action(risk, title="Deploy EDR", owner_id=owner.id, due_on=None, actor=None)
    other_action = services.add_action(other_risk, title="Train staff", owner_id=owner.id, due_on=None, actor=None)

    assert services.get_action_or_403(owner, risk.id, action.id, RISK_EDIT) is action
    with pytest.raises(NotFound):
        services.get_action_or_403(owner, risk.id, other_action.id, RISK_EDIT)
    with pytest.raises(Forbidden):
        services.get_action_or_403(factories.make_user("risk_owner"), risk.id, action.id, RISK_EDIT)



def test_an_accepted_risk_can_be_edited_without_losing_its_acceptance(make_risk, owner, officer):
    risk = make_risk(tolerance=4)
    services.accept_risk(risk, actor=owner, justification="Interim", expires_on=date(2027, 3, 31), today=TODAY,
                         expected_version=risk.version)
    services.update_risk(risk, input_from(risk, title="Typo fixed"), expected_version=risk.version, actor=officer)
    assert risk.status == RiskStatus.ACCEPTED
    assert services.current_acceptance(risk) is not None


def test_re_scoring_an_accepted_risk_ends_the_acceptance(make_risk, owner, officer):
    risk = make_risk(tolerance=4)
    services.accept_risk(risk, actor=owner, justification="Interim", expires_on=date(2027, 3, 31), today=TODAY,
                         expected_version=risk.version)
    services.update_risk(risk, input_from(risk, residual=Rating(3, 4)), expected_version=risk.version,
                         actor=officer, reason="New threat intelligence")
    assert risk.status == RiskStatus.OPEN
    assert services.current_acceptance(risk) is None


def test_reopening_an_accepted_risk_ends_the_acceptance(make_risk, owner, officer):
    risk = make_risk(tolerance=4)
    services.accept_risk(risk, actor=owner, justification="Interim", expires_on=date(2027, 3, 31), today=TODAY,
                         expected_version=risk.version)
    services.update_risk(risk, input_from(risk, status="in_treatment"), expected_version=risk.version, actor=officer)
    assert risk.status == RiskStatus.IN_TREATMENT
    assert services.current_acceptance(risk) is None


def test_an_action_links_only_to_an_active_control_but_keeps_a_link_to_one_retired_since(make_risk, officer):
    risk = make_risk()
    monitoring = annex_a_control("8.16")
    with pytest.raises(services.RiskRuleError) as refused:
        services.add_action(risk, title="SIEM", owner_id=None, due_on=None, actor=officer, control_id=999_999)
    assert refused.value.problems == [("control_id", "Choose an active control of the catalogue, or none.")]
    action = services.add_action(risk, title="SIEM", owner_id=None, due_on=None, actor=officer,
                                 control_id=monitoring.id)
    monitoring.active = False
    db.session.commit()

    services.update_action(action, expected_version=action.version, title="SIEM rules tuned", owner_id=None,
                           due_on=None, status="in_progress", progress_note="", control_id=monitoring.id, actor=officer)

    assert action.control_id == monitoring.id
    with pytest.raises(services.RiskRuleError):
        services.add_action(risk, title="Another", owner_id=None, due_on=None, actor=officer, control_id=monitoring.id)


def test_controls_in_place_are_linked_audited_and_a_retired_one_kept_only_if_already_linked(make_risk, officer):
    monitoring, backup = annex_a_control("8.16"), annex_a_control("8.13")
    risk = make_risk(control_ids=[monitoring.id])
    assert entries("create", "risk")[-1].changes.count("8.16") == 1
    monitoring.active = False
    db.session.commit()

    services.update_risk(risk, input_from(risk, control_ids=[monitoring.id, backup.id]),
                         expected_version=risk.version, actor=officer)

    assert [control.reference for control in risk.controls] == ["8.13", "8.16"]
    with pytest.raises(services.RiskRuleError) as refused:
        make_risk(title="Another", control_ids=[monitoring.id])
    assert refused.value.problems == [("control_ids", "Choose controls in use from the catalogue.")]
    services.update_risk(risk, input_from(risk, control_ids=None), expected_version=risk.version, actor=officer)
    assert len(risk.controls) == 2  # None leaves the links alone


def test_the_next_reference_follows_the_highest_number_whatever_its_length(make_risk):
    assert services.next_reference() == "R-0001"
    for reference in ("R-9999", "R-10000", "R-OLD-REGISTER-7", "ISR-99999"):
        risk = make_risk(title=f"Risk {reference}")
        risk.reference = reference
        db.session.commit()

    assert services.next_reference() == "R-10001"


def test_the_scheduler_job_expires_acceptances_of_the_organisations_today(make_risk, owner):
    from datetime import timedelta

    from app.common.timeutil import local_today

    today = local_today()
    risk = make_risk(tolerance=4)
    services.accept_risk(risk, actor=owner, justification="Interim", expires_on=today - timedelta(days=1),
                         today=today - timedelta(days=10), expected_version=risk.version)
    assert services.expire_acceptances_today() == f"1 acceptance(s) expired: {risk.reference}"
    assert services.expire_acceptances_today() == "0 acceptance(s) expired"
