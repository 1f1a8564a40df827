"""The demo register: the seed's Information Security risk exactly, and enough others to explore."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.demo import seed_demo
from app.extensions import db
from app.risks.demo import SEEDED
from app.risks.models import Risk

# The provincial deck's Information Security risk card, transcribed from ../shared/reference/seeds/
# provincial-digital-government-deck.txt: lines 553-555 (the ratings and the tolerance level; the "Risk
# Owner" and "Risk Subcategory" cells are blank), 559-577 (the contributing factors with their ratings;
# "3<sup>rd</sup>" is the deck's markup of "3rd"), 597-608 (the Interim Key Initiatives) and 665-670 (the
# business-continuity External Factors).
DECK_RATINGS = {"Inherent Impact": 4, "Inherent Likelihood": 4, "Inherent Rating": 16, "Residual Impact": 3,
                "Residual Likelihood": 3, "Residual Rating": 9, "Tolerance level": 4}
DECK_FACTORS = [
    ("H", "Attack by an external source (e.g., cyber attack)"),
    ("H", "Ageing, unsupported, unmanaged technology (Hardware and software)"),
    ("H", "Attack and or Data/ Information leakage by an internal source (staff or Contractor)"),
    ("M", "Limited user adherence to ICT policies and procedures"),
    ("M", "Lack of 3rd party accountability"),
    ("M", "Lack of ICT and Domain specific policies, procedures and/or standards"),
    ("M", "Limited capacity to effectively manage the cyber security environment"),
    ("M", "Limitations of the ICT monitoring and reporting tools and response procedures"),
    ("M", "Multiple entry and exit access points to the internet"),
]
DECK_INITIATIVES = [
    "ISMS Implementation ISO 27001 compliance",
    "Implementing information security capabilities across all security domains",
    "Review and update policies and controls catalogue",
    "Asset management (CMDB) implementation",
    "Technology Refresh",
    "Cryptography alignment to industry standards",
    "Security Operations Centre Enhancement",
    "Third Party Risk Management",
    "Data Loss Prevention Implementation",
    "Data Classification",
    "Application Security",
    "Identity and Access Management",
]
DECK_EXTERNAL_FACTORS = [
    "Temporary loss of a third-party IT service provider",
    "Cloud service unavailability (public or private cloud)",
    "Energy supply outage",
    "Water supply scarcity",
    "Loss of Internet Service Provider (ISP) service",
]


def risk_titled(title: str) -> Risk:
    return db.session.scalar(sa.select(Risk).where(Risk.title == title))


def test_the_information_security_risk_is_the_decks_risk_card_word_for_word(app, demo_data):
    risk = risk_titled("Information Security")

    assert {"Inherent Impact": risk.inherent_impact, "Inherent Likelihood": risk.inherent_likelihood,
            "Inherent Rating": risk.inherent_score, "Residual Impact": risk.residual_impact,
            "Residual Likelihood": risk.residual_likelihood, "Residual Rating": risk.residual_score,
            "Tolerance level": risk.tolerance} == DECK_RATINGS
    assert [(factor.rating, factor.description) for factor in risk.factors] == DECK_FACTORS
    assert sorted(action.title for action in risk.actions) == sorted(DECK_INITIATIVES)
    assert [risk.title for risk in db.session.scalars(sa.select(Risk).where(Risk.title.in_(DECK_EXTERNAL_FACTORS))
                                                      .order_by(Risk.id))] == DECK_EXTERNAL_FACTORS
    # What the card leaves blank or does not print is the demo's own (app/risks/demo.py says so).
    assert risk.out_of_tolerance and risk.category.name == "Information Security"
    assert (risk.subcategory.name, risk.department.code, risk.owner.email) == ("Cyber", "DOTP", "owner@example.org")


def test_the_business_continuity_risks_and_about_forty_in_all(app, demo_data):
    for spec in SEEDED[1:]:
        assert risk_titled(spec.title).category.name == "Business Continuity"
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
    assert total >= 40
    departments = db.session.scalar(sa.select(sa.func.count(sa.distinct(Risk.department_id))))
    assert departments >= 10


def test_seeding_twice_adds_no_risk(app, demo_data):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Risk))
    assert not [line for line in seed_demo(demo_data) if line.startswith("risk ")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Risk)) == before
