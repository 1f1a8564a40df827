"""Fixtures shared by the controls tests: a register and internal controls made through the services.
Each module defines its own `officer`, the user they act as."""

from __future__ import annotations

import pytest

from app.controls import services
from app.controls.services import ControlInput, annex_a_control
from app.extensions import db
from app.risks import services as risks
from app.risks.models import RiskCategory
from app.risks.scoring import Rating


@pytest.fixture
def category(app) -> RiskCategory:
    category = RiskCategory(name="Information Security")
    db.session.add(category)
    db.session.commit()
    return category


@pytest.fixture
def make_risk(category, officer):
    def build(title: str, controls=(), status: str = "open"):
        risk = risks.create_risk(risks.RiskInput(
            title=title, category_id=category.id, inherent=Rating(4, 4), residual=Rating(3, 3), status=status,
            control_ids=[control.id for control in controls]), actor=officer)
        db.session.commit()
        return risk

    return build


@pytest.fixture
def make_internal_control(officer):
    def build(reference: str, annex_refs: list[str], active: bool = True):
        made = services.create_internal_control(ControlInput(
             reference=reference, title=f"Internal control {reference}", control_type="Detective",
             annex_a_ids=[annex_a_control(ref).id for ref in annex_refs], active=active), actor=officer)
        db.session.commit()
        return made

    return build
