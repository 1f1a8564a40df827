"""Builders for risk tests: a category, and a risk through the service."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.extensions import db
from app.risks import scoring, services
from app.risks.models import RiskCategory
from app.risks.scoring import Rating
from tests import factories


@pytest.fixture
def category(app) -> RiskCategory:
    parent = RiskCategory(name="Information Security")
    db.session.add(parent)
    db.session.flush()
    db.session.add(RiskCategory(name="Cyber", parent_id=parent.id))
    db.session.commit()
    return parent


@pytest.fixture
def subcategory(category) -> RiskCategory:
    return db.session.scalar(db.select(RiskCategory).where(RiskCategory.parent_id == category.id))


@pytest.fixture
def officer(app):
    return factories.make_user("security_officer")


@pytest.fixture
def owner(app):
    return factories.make_user("risk_owner")


@pytest.fixture
def make_risk(category, officer, owner):
    """make_risk(inherent=(4, 4), residual=(3, 3), tolerance=4, **fields) -> a saved risk."""

    def build(inherent=(4, 4), residual=(3, 3), target=None, **fields):
        data = services.RiskInput(
            title=fields.pop("title", "Cyber attack on provincial systems"),
            category_id=category.id,
            inherent=Rating(*inherent),
            residual=Rating(*residual) if residual else None,
            target=Rating(*target) if target else None,
            owner_id=fields.pop("owner_id", owner.id),
            **fields,
        )
        risk = services.create_risk(data, actor=officer)
        db.session.commit()
        return risk

    return build


def input_from(risk, **changes) -> services.RiskInput:
    """The risk as its edit form would post it back, with some fields changed."""
    return replace(services.input_of(risk), **changes)


def stricter_bands() -> scoring.Matrix:
    """The default 5×5 levels with High from 8 instead of 10: a residual 4×2 moves from Medium to
    High, a 3×3 (9) too; the levels keep their meaning, so risks can be re-banded onto it."""
    default = scoring.default_matrix(5)
    bands = [replace(b, max_score=7) if b.name == "Medium" else replace(b, min_score=8) if b.name == "High" else b
             for b in default.bands]
    return replace(default, bands=tuple(bands))
