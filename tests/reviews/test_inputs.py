"""Each section of the review pack compiled against known data, with the as-of date respected:
records after the date are left out, or counted as still open on it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.nonconformities.models import CorrectiveAction, Nonconformity
from app.reviews import inputs
from app.reviews.models import ActionStatus
from app.risks.models import Risk, TreatmentAction
from tests import factories
from tests.reviews.conftest import held_review, raise_nc


def section_of(figures: dict, key: str) -> dict:
    return next(part for part in figures["sections"] if part["key"] == key)


def values(part: dict) -> dict:
    return {entry["key"]: entry["value"] for entry in part["figures"]}


def rows(part: dict, key: str) -> list:
    return next(t for t in part["tables"] if t["key"] == key)["rows"]


def test_every_9_3_2_item_has_a_section_and_the_pack_is_json(app):
    figures = inputs.compile(date(2026, 3, 1))

    items = {part["item"].split(" ")[1] for part in figures["sections"]}
    assert items == {"a", "b", "c", "d", "e", "f", "g"}
    assert json.loads(json.dumps(figures)) == figures
    assert figures["schema_version"] == inputs.SCHEMA_VERSION


def test_nonconformities_as_of_a_date(app):
    raise_nc("Access reviews not done", raised_on=date(2026, 1, 5), severity="major")
    closed = raise_nc("Backup not tested", raised_on=date(2026, 1, 10))
    closed.status, closed.closed_on = "closed", date(2026, 2, 20)  # closed after the date: open on it
    raise_nc("Complaint about a leaked list", raised_on=date(2026, 1, 20), source="complaint")
    raise_nc("Raised after the date", raised_on=date(2026, 3, 5))
    action = CorrectiveAction(nonconformity_id=closed.id, title="Test a restore", due_on=date(2026, 1, 31),
                              created_at=datetime(2026, 1, 11, tzinfo=UTC))
    db.session.add(action)
    db.session.commit()

    part = section_of(inputs.compile(date(2026, 2, 1)), "nonconformities")

    figures = values(part)
    assert figures["open"] == 3  # the one raised in March is left out; the one closed later was open
    assert figures["open_major"] == 1
    assert figures["actions_open"] == 1 and figures["actions_overdue"] == 1
    assert ["Complaint", 1, 1] in rows(part, "by_source")
    assert any(row[0].startswith("Closed after 2026-02-01") for row in rows(part, "by_status"))
    assert rows(part, "overdue_actions") == [[f"{closed.reference}: Test a restore", "No owner", "2026-01-31"]]

    after = values(section_of(inputs.compile(date(2026, 3, 1)), "nonconformities"))
    assert after["open"] == 2 and after["closed_since"] == 1


def test_no_nonconformities_is_said_plainly(app):
    part = section_of(inputs.compile(date(2026, 2, 1)), "nonconformities")

    assert part["available"] is False
    assert part["note"] == "No nonconformities recorded in Khusela as of 2026-02-01."


def test_risks_by_residual_band_on_their_matrix_tolerance_acceptance_and_actions(app):
    owner = factories.make_user("risk_owner")
    risk = factories.make_risk(owner)  # residual 3x3 = 9 (Medium on the default matrix), tolerance 4
    other = factories.make_risk(owner, title="Phishing")
    factories.make_treatment_action(risk)  # due 2027-03-31
    done = factories.make_treatment_action(other, title="Train staff")
    done.status, done.completed_on = "done", date(2026, 2, 10)
    late = Risk(reference="R-LATE", title="Added later", category_id=risk.category_id, matrix_id=risk.matrix_id,
                inherent_likelihood=2, inherent_impact=2, inherent_score=4, tolerance=4, status="open",
                created_at=datetime(2026, 5, 1, tzinfo=UTC))
    db.session.add(late)
    for row in (risk, other):
        row.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    for row in db.session.scalars(sa.select(TreatmentAction)):
        row.created_at = datetime(2026, 1, 2, tzinfo=UTC)
    db.session.commit()

    part = section_of(inputs.compile(date(2026, 3, 1)), "risks")

    figures = values(part)
    assert figures["risks"] == 2  # the risk recorded in May is left out
    assert figures["out_of_tolerance"] == 2 and figures["untreated"] == 2 and figures["accepted"] == 0
    assert figures["actions_open"] == 1 and figures["actions_done"] == 1 and figures["actions_overdue"] == 0
    assert ["Medium", 2] in rows(part, "by_band")
    assert {row[0] for row in rows(part, "out_of_tolerance")} == {risk.reference, other.reference}

    before_done = values(section_of(inputs.compile(date(2026, 2, 1)), "risks"))
    assert before_done["actions_done"] == 0 and before_done["actions_open"] == 2


def test_actions_of_earlier_reviews_are_the_first_section_with_their_status_on_the_date(app, chair):
    owner = factories.make_user("manager")
    first = held_review(chair, meeting_on=date(2025, 3, 1), title="Review 2025",
                        actions=[("Fund a SOC", owner, date(2025, 9, 30)), ("Classify data", owner, date(2026, 6, 30))])
    done = first.actions[0]
    done.status, done.closed_on = ActionStatus.DONE.value, date(2025, 8, 1)
    db.session.commit()

    figures = inputs.compile(date(2026, 3, 1))

    assert figures["sections"][0]["key"] == "previous_actions"
    part = figures["sections"][0]
    assert values(part) == {"actions": 2, "done": 1, "open": 1, "overdue": 0, "cancelled": 0}
    assert {row[0]: row[4] for row in rows(part, "actions")} == {done.reference: "Done",
                                                                 first.actions[1].reference: "Open"}
    before_done = section_of(inputs.compile(date(2025, 7, 1)), "previous_actions")
    assert values(before_done)["open"] == 2


@pytest.mark.parametrize("key", ["context_issues", "interested_parties", "monitoring", "audits", "objectives"])
def test_a_section_of_another_package_says_nothing_is_recorded_until_its_provider_is_named(app, key):
    part = section_of(inputs.compile(date(2026, 3, 1)), key)

    assert part["available"] is False
    assert part["note"].startswith("No ") and part["note"].endswith("recorded in Khusela as of 2026-03-01.")


def provide_audits(as_of, since):
    return {"figures": [inputs.figure("audits", "Internal audits completed", 3)],
            "tables": [inputs.table("findings", "Findings", ["Audit", "Findings"], [["IA-2026-01", 4]])],
            "note": f"From {since.isoformat()} to {as_of.isoformat()}."}


def provide_nothing(as_of, since):
    return None


def test_a_named_provider_fills_its_section(app, monkeypatch):
    monkeypatch.setitem(inputs.PROVIDERS, "audits", f"{__name__}:provide_audits")
    monkeypatch.setitem(inputs.PROVIDERS, "objectives", f"{__name__}:provide_nothing")

    figures = inputs.compile(date(2026, 3, 1))

    audits = section_of(figures, "audits")
    assert audits["available"] is True and values(audits) == {"audits": 3}
    assert audits["note"] == "From 2025-03-01 to 2026-03-01."
    assert section_of(figures, "objectives")["note"] == ("No information security objectives recorded in Khusela "
                                                         "as of 2026-03-01.")


def test_feedback_and_opportunities_come_from_the_review_and_complaints(app):
    raise_nc("Resident complained of a leaked list", raised_on=date(2026, 1, 20), source="complaint")

    figures = inputs.compile(date(2026, 3, 1), feedback="The AG asked for faster patching.", opportunities="")

    feedback = section_of(figures, "interested_party_feedback")
    assert feedback["text"] == "The AG asked for faster patching."
    assert values(feedback)["complaints"] == 1
    assert section_of(figures, "opportunities")["note"].startswith("No opportunities were recorded")


def test_soa_and_policy_sections_say_when_nothing_is_held(app):
    figures = inputs.compile(date(2026, 3, 1))

    assert section_of(figures, "policy_acknowledgements")["note"] == ("No approved policies recorded in Khusela as "
                                                                      "of 2026-03-01.")
    assert db.session.scalar(sa.select(sa.func.count(Nonconformity.id))) == 0
