"""The demo register: the seed's Information Security risk exactly, and enough others to explore."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.demo import seed_demo
from app.extensions import db
from app.risks.demo import INFORMATION_SECURITY_ACTIONS, SEEDED
from app.risks.models import Risk


def risk_titled(title: str) -> Risk:
    return db.session.scalar(sa.select(Risk).where(Risk.title == title))


def test_the_information_security_risk_is_the_seed_documents_own(app, demo_data):
    risk = risk_titled("Information Security")
    assert (risk.inherent_likelihood, risk.inherent_impact, risk.inherent_score) == (4, 4, 16)
    assert (risk.residual_likelihood, risk.residual_impact, risk.residual_score) == (3, 3, 9)
    assert risk.tolerance == 4 and risk.out_of_tolerance
    assert [(f.rating, f.description) for f in risk.factors][:3] == [
        ("H", "Attack by an external source"),
        ("H", "Ageing, unsupported and unmanaged technology"),
        ("H", "Attack or data leakage by an internal source"),
    ]
    assert [f.rating for f in risk.factors] == ["H"] * 3 + ["M"] * 6
    assert sorted(a.title for a in risk.actions) == sorted(t for t, _, _ in INFORMATION_SECURITY_ACTIONS)
    assert risk.category.name == "Information Security" and risk.department.code == "DOTP"
    assert risk.owner.email == "owner@example.org"


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
