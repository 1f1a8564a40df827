"""The strategy's outcomes table (lines 226-237) as ISMS objectives: each outcome is an objective's
title and its activity the plan that meets it, both as printed. The strategy prints no date or
measure per row: the due date is invented (a year from today); the evaluation is the strategy's own
line on its annual review (line 133)."""

from __future__ import annotations

from datetime import date, timedelta

from app.auth.models import User
from app.municipality_demo.strategy import OUTCOMES
from app.objectives import services

# Line 133, word for word.
EVALUATION = ("Consequently the strategy will be formally reviewed annually to ensure that it accurately reflects and "
              "supports corporate and service delivery decisions.")


def seed_objectives(owner: User, today: date) -> list[str]:
    for activity, outcome in OUTCOMES:
        services.create_objective(services.ObjectiveInput(
            title=outcome, plan=activity, evaluation=EVALUATION, owner_id=owner.id,
            due_on=today + timedelta(days=365)), actor=owner, today=today)
    return [f"objectives: {len(OUTCOMES)} from the strategy's outcomes"]
