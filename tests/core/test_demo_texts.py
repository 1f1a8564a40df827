"""What the seeded demo says, read from every text it stores (database columns and evidence files): the
policies it cites are in its policy register; the SOC is enhanced, not established (the deck's "Security
Operations Centre Enhancement", with "Continuous Network Monitoring at NIOC"); awareness is monthly (the
deck's "Monthly cybersecurity awareness campaigns")."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from app.controls.models import Control
from app.extensions import db
from app.policies.models import Policy


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


def sayings(pattern: re.Pattern[str]) -> set[tuple[str, str]]:
    return {(where, found.group(0)) for where, text in demo_texts() for found in pattern.finditer(text)}


# --- policies ------------------------------------------------------------------------------------------

POLICY_CODE = re.compile(r"\b[A-Z]{2,}-POL-\d+\b")
# A document named in title case ("the Access Control Policy", "Business Continuity and Disaster Recovery
# Policy"): capitalised words, and the small words between them, ending in Policy or Standard (not the
# "Policy acknowledgement rate" metric).
POLICY_TITLE = re.compile(r"(?:(?:[A-Z][\w&/-]*|and|of|for|the)\s+)+(?:Policy|Standard)\b(?! acknowledgement)")
# Other organisations' policies the demo rightly names: Microsoft's, in the product lifecycle catalogue.
NOT_OURS = {"Modern Lifecycle Policy"}
POLICY_COUNT = re.compile(r"\bAll (\d+) policies\b")


def unknown_policies(text: str, codes: set[str], titles: set[str]) -> list[str]:
    unknown = [code for code in POLICY_CODE.findall(text) if code not in codes]
    for found in POLICY_TITLE.finditer(text):
        words = found.group(0).split()
        if not any(" ".join(words[start:]) in titles | NOT_OURS for start in range(len(words))):
            unknown.append(found.group(0))
    return unknown + [f"All {count} policies" for count in POLICY_COUNT.findall(text) if int(count) != len(codes)]


def test_every_policy_the_demo_names_is_in_its_policy_register(app, demo_data):
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


# --- the SOC and awareness -----------------------------------------------------------------------------

SOC_BEING_MADE = re.compile(
    r"\b(?:establish\w*|set(?:ting)? up|creat\w*|build\w*|for)\s+(?:a|an|the)\s+(?:new\s+)?(?:SOC|security operations "
    r"cent(?:re|er))\b(?!\s+enhancement)|\b(?:SOC|security operations cent(?:re|er))(?:\s+\(SOC\))?\s+(?:is|be|was)\s+"
    r"(?:established|set up|created|built)|\bplanned SOC\b", re.IGNORECASE)
NOT_MONTHLY_AWARENESS = re.compile(
    r"\b(?:annual|yearly|quarterly|once a year|each year|every year)\b[^.;\n]{0,40}\b(?:awareness|e-learning)\b"
    r"|\b(?:awareness|e-learning)\b[^.;\n]{0,40}\b(?:annual|yearly|quarterly|once a year|each year|every year)\b",
    re.IGNORECASE)


def test_the_demo_never_says_the_soc_is_being_established(app, demo_data):
    assert not sayings(SOC_BEING_MADE)


def test_the_demos_awareness_is_monthly(app, demo_data):
    awareness = db.session.scalars(sa.select(Control).where(Control.reference.like("IC-%"),
                                                           Control.title.ilike("%awareness%"))).all()
    assert awareness and {control.frequency for control in awareness} == {"monthly"}
    assert not sayings(NOT_MONTHLY_AWARENESS)


def test_the_patterns_catch_what_the_demo_said_before():
    assert SOC_BEING_MADE.search("Establish a Security Operations Centre (SOC)")
    assert SOC_BEING_MADE.search("alerts are triaged on working days until the SOC is established.")
    assert SOC_BEING_MADE.search("Write the business case for a security operations centre")
    assert SOC_BEING_MADE.search("the planned SOC would cover weekends")
    assert not SOC_BEING_MADE.search("Write the business case for the Security Operations Centre Enhancement")
    assert NOT_MONTHLY_AWARENESS.search("Annual e-learning module with a completion report to the ISMS forum.")
    assert not NOT_MONTHLY_AWARENESS.search("Monthly cybersecurity awareness campaigns to educate users")
