"""The gaps of a supplier's record (app.suppliers.rules): plain values in, messages out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from app.suppliers import rules
from app.suppliers.models import SecurityClause

TODAY = date(2026, 12, 7)
EVERY = [clause.value for clause in SecurityClause]
SOUND = rules.Facts(status="active", criticality="high", is_operator=True, operator_contract_on=date(2025, 1, 1),
                    security_clauses=EVERY, is_cloud=True, hosting_region="South Africa", exit_plan="Export, move.",
                    contract_end=date(2027, 6, 30), last_assessed_on=date(2026, 6, 1),
                    assessment_due_on=date(2027, 6, 1), review_on=date(2027, 1, 31))


def test_a_sound_record_has_no_gap():
    assert rules.gaps(SOUND, TODAY) == []


@pytest.mark.parametrize(("change", "words"), [
    ({"operator_contract_on": None}, "no written contract"),
    ({"security_clauses": [c for c in EVERY if c != "breach_notification"]}, "breach notification"),
    ({"security_clauses": [c for c in EVERY if c != "confidentiality"]}, "confidentiality"),
    ({"hosting_region": "  "}, "hosting region is not recorded"),
    ({"exit_plan": ""}, "without an exit plan"),
    ({"contract_end": date(2026, 12, 6)}, "contract ended on 06 dec 2026"),
    ({"last_assessed_on": None}, "never assessed"),
    ({"assessment_due_on": date(2026, 12, 6)}, "assessment was due on 06 dec 2026"),
    ({"review_on": date(2026, 12, 6)}, "review of this supplier was due"),
])
def test_each_gap_is_named(change, words):
    found = rules.gaps(replace(SOUND, **change), TODAY)
    assert len(found) == 1 and words in found[0].lower()


def test_what_is_not_a_gap():
    # Not an operator: no contract or POPIA clauses are asked of it; not cloud: no region or exit plan.
    plain = replace(SOUND, is_operator=False, operator_contract_on=None, security_clauses=[], is_cloud=False,
                    hosting_region="", exit_plan="")
    assert rules.gaps(plain, TODAY) == []
    # A low or medium supplier never assessed is not flagged; one due today is not yet overdue.
    assert rules.gaps(replace(SOUND, criticality="medium", last_assessed_on=None), TODAY) == []
    assert rules.gaps(replace(SOUND, assessment_due_on=TODAY, review_on=TODAY, contract_end=TODAY), TODAY) == []


def test_a_supplier_that_has_left_has_no_gaps():
    assert rules.gaps(replace(SOUND, status="exited", operator_contract_on=None, exit_plan=""), TODAY) == []


def test_the_contract_window():
    assert rules.contract_ends_within(date(2027, 3, 7), TODAY, 90)
    assert not rules.contract_ends_within(date(2027, 3, 8), TODAY, 90)
    assert not rules.contract_ends_within(date(2026, 12, 6), TODAY, 90)
    assert not rules.contract_ends_within(None, TODAY, 90)
