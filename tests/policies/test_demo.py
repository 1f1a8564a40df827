"""The demo policies: the municipality's version tables, one in review, one overdue, acknowledged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app

from app.common.timeutil import local_today
from app.extensions import db
from app.policies import services
from app.policies.demo import IN_REVIEW_CODE, OVERDUE_CODE, POLICIES, seed_demo_policies
from app.policies.models import Policy
from tests.policies.conftest import make_employee

pytestmark = pytest.mark.usefixtures("app")


def test_the_demo_policies_carry_the_municipal_version_tables(department):
    staff = [make_employee(department=department) for _ in range(20)]

    added = seed_demo_policies()

    assert len(added) == len(POLICIES) == 7
    policy = services.find_by_code("ICT-POL-001")
    assert [(v.number, v.change, v.state, v.author_designation) for v in policy.versions] == [
        ("1.0", "Original", "superseded", "Security Officer"), ("1.1", "Changes", "approved", "Security Officer")]
    assert [c.reference for c in policy.current.clauses][:3] == ["1", "2", "4.1"]
    assert {c.reference for c in policy.controls} == {"5.1", "5.2", "5.4", "6.3", "6.4"}
    coverage = services.coverage(policy.current)
    assert coverage.employed == len(staff) and 0 < coverage.acknowledged < len(staff)
    assert seed_demo_policies() == []


def test_one_policy_is_in_review_and_one_is_overdue():
    seed_demo_policies()
    today = local_today()

    assert services.find_by_code(IN_REVIEW_CODE).open_version.state == "in_review"
    assert services.find_by_code(OVERDUE_CODE).current.review_overdue(today)
    assert not services.find_by_code("ICT-POL-001").current.review_overdue(today)


# --- the rest of the demo cites only policies the register holds ------------------------------------

POLICY_CODE = re.compile(r"\b[A-Z]{2,}-POL-\d+\b")
# A document named in title case ("the Access Control Policy", "Business Continuity and Disaster Recovery
# Policy"): capitalised words, and the small words between them, ending in Policy or Standard (not the
# "Policy acknowledgement rate" metric).
POLICY_TITLE = re.compile(r"(?:(?:[A-Z][\w&/-]*|and|of|for|the)\s+)+(?:Policy|Standard)\b(?! acknowledgement)")
# Other organisations' policies the demo rightly names: Microsoft's, in the product lifecycle catalogue.
NOT_OURS = {"Modern Lifecycle Policy"}
POLICY_COUNT = re.compile(r"\bAll (\d+) policies\b")


def demo_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every text value in the demo database and every stored evidence file."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text):
                for value in db.session.scalars(sa.select(column).where(column.is_not(None)).distinct()):
                    yield f"{table.name}.{column.name}", value
    for path in Path(current_app.config["EVIDENCE_FOLDER"]).rglob("*"):
        if path.is_file():
            yield f"file {path.name}", path.read_bytes().decode("latin-1")


def unknown_policies(text: str, codes: set[str], titles: set[str]) -> list[str]:
    unknown = [code for code in POLICY_CODE.findall(text) if code not in codes]
    for found in POLICY_TITLE.finditer(text):
        words = found.group(0).split()
        if not any(" ".join(words[start:]) in titles | NOT_OURS for start in range(len(words))):
            unknown.append(found.group(0))
    return unknown + [f"All {count} policies" for count in POLICY_COUNT.findall(text) if int(count) != len(codes)]


def test_every_policy_the_demo_names_is_in_its_policy_register(demo_data):
    policies = db.session.scalars(sa.select(Policy)).all()
    codes, titles = {policy.code for policy in policies}, {policy.title for policy in policies}

    named = {(where, name) for where, text in demo_texts() for name in unknown_policies(text, codes, titles)}

    assert not named, f"Not in the demo's policy register ({sorted(titles)}): {sorted(named)}"


def test_a_policy_outside_the_register_is_caught():
    codes = {"ICT-POL-001", "ICT-POL-007"}
    titles = {"ICT Security Policy", "Business Continuity and Disaster Recovery Policy"}

    assert unknown_policies("Criteria: the ICT Security Policy (ICT-POL-001); the Business Continuity and "
                            "Disaster Recovery Policy; All 2 policies", codes, titles) == []
    assert unknown_policies("Information Security Policy 3.2, the Access Control Policy, ICT-POL-009, "
                            "the Patch Management Standard; All 14 policies", codes, titles) == [
        "ICT-POL-009", "Information Security Policy", "the Access Control Policy", "the Patch Management Standard",
        "All 14 policies"]
