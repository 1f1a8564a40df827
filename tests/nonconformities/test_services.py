"""The register's rules: status from the actions, the independent effectiveness review, closed records
read-only, reopening, analysis, changes to the ISMS and who may own what."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEntry
from app.common.models import StaleEditError
from app.extensions import db
from app.nonconformities import services, workflow
from app.nonconformities.models import NonconformityStatus
from tests import factories
from tests.nonconformities.helpers import TODAY, action, done, raised


@pytest.fixture
def people(app):
    return {"officer": factories.make_user("security_officer"), "reviewer": factories.make_user("admin"),
            "owner": factories.make_user("risk_owner"),
            "manager": factories.make_user("manager", department=factories.make_department())}


@pytest.mark.parametrize(("statuses", "round_", "expected"), [
    ([], 1, "open"), ([], 2, "action_in_progress"), (["planned"], 1, "action_in_progress"),
    (["done", "planned"], 1, "action_in_progress"), (["cancelled"], 1, "action_in_progress"),
    (["done", "cancelled"], 1, "verifying"), (["done"], 2, "verifying")])
def test_the_status_follows_the_actions(statuses, round_, expected):
    assert workflow.status_from_actions(statuses, action_round=round_) == expected


@pytest.mark.parametrize(("days", "band"), [(0, "0-30"), (30, "0-30"), (31, "31-90"), (180, "91-180"), (181, ">180")])
def test_age_bands(days, band):
    assert workflow.age_band(days) == band


def test_the_first_action_starts_progress_and_the_last_done_asks_for_the_review(people):
    nc = raised(people["officer"], owner_id=people["owner"].id)
    first = action(nc, people["manager"], people["officer"])
    assert nc.status == NonconformityStatus.ACTION_IN_PROGRESS
    second = action(nc, people["manager"], people["officer"], title="Automate leavers")
    done(first, people["manager"])
    assert nc.status == NonconformityStatus.ACTION_IN_PROGRESS
    services.cancel_action(second, expected_version=second.version, reason="Replaced by the HR feed.",
                           actor=people["officer"], today=TODAY)
    assert nc.status == NonconformityStatus.VERIFYING and nc.verifying_since == TODAY
    assert first.completed_on == TODAY


def test_an_effective_review_closes_and_the_record_is_read_only(people):
    nc = raised(people["officer"], owner_id=people["owner"].id)
    done(action(nc, people["manager"], people["officer"]), people["manager"])
    services.record_review(nc, effective=True, note="Retested 20 users.", reviewed_on=TODAY,
                           expected_version=nc.version, actor=people["reviewer"], today=TODAY)
    assert nc.status == NonconformityStatus.CLOSED and nc.closed_on == TODAY
    assert db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "nonconformity")).all()[-1] \
        == "close"
    with pytest.raises(services.NonconformityRuleError, match="is closed"):
        services.record_analysis(nc, services.AnalysisInput(correction="x"), expected_version=nc.version,
                                 actor=people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="is closed"):
        action(nc, people["manager"], people["officer"])


def test_a_not_effective_review_reopens_to_progress_and_needs_a_new_action(people):
    nc = raised(people["officer"], owner_id=people["owner"].id)
    old = action(nc, people["manager"], people["officer"])
    done(old, people["manager"])
    services.record_review(nc, effective=False, note="Still late at Worcester.", reviewed_on=TODAY,
                           expected_version=nc.version, actor=people["reviewer"], today=TODAY)
    assert (nc.status, nc.action_round, nc.closed_on) == (NonconformityStatus.ACTION_IN_PROGRESS, 2, None)
    assert services.current_actions(nc) == []
    with pytest.raises(services.NonconformityRuleError, match="effectiveness review comes"):
        services.record_review(nc, effective=True, note="x", reviewed_on=TODAY, expected_version=nc.version,
                               actor=people["reviewer"], today=TODAY)
    with pytest.raises(services.NonconformityRuleError, match="earlier round"):
        services.update_own_action(old, expected_version=old.version, status="in_progress", progress_note="",
                                   actor=people["manager"], today=TODAY)
    done(action(nc, people["manager"], people["officer"], title="Train a custodian"), people["manager"])
    assert nc.status == NonconformityStatus.VERIFYING
    assert [review.effective for review in nc.reviews] == [False]


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_reviewer_owns_neither_the_nonconformity_nor_an_action(people, who):
    nc = raised(people["officer"], owner_id=people["owner"].id)
    done(action(nc, people["manager"], people["officer"]), people["manager"])
    with pytest.raises(services.NonconformityRuleError, match="cannot review"):
        services.record_review(nc, effective=True, note="Fine.", reviewed_on=TODAY, expected_version=nc.version,
                               actor=people[who], today=TODAY)
    assert nc.status == NonconformityStatus.VERIFYING


def test_a_security_officer_who_owns_an_action_may_not_review_it(people):
    nc = raised(people["officer"], owner_id=people["owner"].id)
    done(action(nc, people["officer"], people["officer"]), people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="owns a corrective action"):
        services.record_review(nc, effective=True, note="Fine.", reviewed_on=TODAY, expected_version=nc.version,
                               actor=people["officer"], today=TODAY)


def test_reopening_needs_a_reason_and_starts_a_new_round(people):
    nc = raised(people["officer"])
    done(action(nc, people["manager"], people["officer"]), people["manager"])
    services.record_review(nc, effective=True, note="ok", reviewed_on=TODAY, expected_version=nc.version,
                           actor=people["reviewer"], today=TODAY)
    with pytest.raises(services.NonconformityRuleError, match="reason"):
        services.reopen(nc, reason=" ", expected_version=nc.version, actor=people["officer"])
    services.reopen(nc, reason="It recurred in January.", expected_version=nc.version, actor=people["officer"])
    assert (nc.status, nc.closed_on, nc.action_round) == ("action_in_progress", None, 2)


def test_a_done_action_needs_to_say_what_was_done(people):
    nc = raised(people["officer"])
    act = action(nc, people["manager"], people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="what was done"):
        services.update_own_action(act, expected_version=act.version, status="done", progress_note=" ",
                                   actor=people["manager"], today=TODAY)


@pytest.mark.parametrize(("owner_role", "words"), [("auditor", "cannot be the action owner"),
                                                    ("hr_officer", "cannot be the action owner")])
def test_an_action_owner_must_be_able_to_update_it(people, owner_role, words):
    nc = raised(people["officer"])
    with pytest.raises(services.NonconformityRuleError, match=words):
        action(nc, factories.make_user(owner_role), people["officer"])


def test_an_action_cannot_be_due_before_the_nonconformity(people):
    nc = raised(people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="before the nonconformity was raised"):
        action(nc, people["manager"], people["officer"], due_on=date(2026, 1, 1))


def test_five_whys_are_kept_in_order_and_need_a_root_cause(people):
    nc = raised(people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="root cause statement"):
        services.record_analysis(nc, services.AnalysisInput(five_whys=["a", "b"]), expected_version=nc.version,
                                 actor=people["officer"])
    services.record_analysis(nc, services.AnalysisInput(correction="Removed 14 users.", five_whys=["a", "", "c"],
                                                        root_cause="No review step.", similar_elsewhere="LOGIS too."),
                             expected_version=nc.version, actor=people["officer"])
    assert nc.five_whys == ["a", "c"] and nc.root_cause == "No review step."


def test_a_stale_edit_is_refused(people):
    nc = raised(people["officer"])
    stale = nc.version
    services.record_analysis(nc, services.AnalysisInput(correction="x"), expected_version=stale,
                             actor=people["officer"])
    with pytest.raises(StaleEditError):
        services.update_details(nc, services.input_of(nc), expected_version=stale, actor=people["officer"],
                                today=TODAY)


def test_a_manager_raises_only_self_identified_ones_of_their_department(people):
    manager = people["manager"]
    with pytest.raises(services.NonconformityRuleError) as refused:
        services.raise_as(services.NonconformityInput(title="t", description="d", source="external_audit",
                                                      severity="minor", department_id=None), actor=manager, today=TODAY)
    assert {field for field, _ in refused.value.problems} == {"source", "department_id"}
    nc = services.raise_as(services.NonconformityInput(title="t", description="d", source="self_identified",
                                                       severity="minor", department_id=manager.department_id),
                           actor=manager, today=TODAY)
    assert nc.reference == "NC-0001"


def test_changes_to_the_isms_link_the_risk_policy_or_control(people):
    nc = raised(people["officer"])
    risk = factories.make_risk()
    change = services.add_change(nc, kind="risk", reference=risk.reference.lower(), description="",
                                 note="Likelihood reassessed.", actor=people["officer"])
    assert change.risk_id == risk.id
    control = services.add_change(nc, kind="control", reference="A.5.18", description="", note="Quarterly.",
                                  actor=people["officer"])
    assert control.control.reference == "5.18"
    with pytest.raises(services.NonconformityRuleError, match="no policy"):
        services.add_change(nc, kind="policy", reference="NOPE", description="", note="x", actor=people["officer"])
    with pytest.raises(services.NonconformityRuleError, match="what changed"):
        services.add_change(nc, kind="other", reference="", description="", note="", actor=people["officer"])
    services.remove_change(change, actor=people["officer"])
    db.session.flush()
    assert [c.kind for c in nc.changes] == ["control"]
