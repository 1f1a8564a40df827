"""Builders the nonconformity tests share."""

from __future__ import annotations

from datetime import date

from app.nonconformities import services
from app.nonconformities.models import Nonconformity
from tests import factories

TODAY = date(2026, 11, 30)


def raised(officer=None, **overrides) -> Nonconformity:
    officer = officer or factories.make_user("security_officer")
    values = {"title": "Access reviews not performed", "source": "external_audit", "severity": "minor",
              "description": "A.5.18 requires quarterly access reviews; none was done.",
              "raised_on": date(2026, 6, 1), "due_on": date(2026, 12, 31)}
    return services.raise_nonconformity(services.NonconformityInput(**(values | overrides)), actor=officer,
                                        today=TODAY)


def action(nonconformity, owner, officer, *, due_on=date(2026, 12, 15), title="Quarterly access reviews"):
    return services.add_action(nonconformity, title=title, owner_id=owner.id, due_on=due_on, actor=officer,
                               today=TODAY)


def done(act, owner, note="Reviews signed for Q3."):
    return services.update_own_action(act, expected_version=act.version, status="done", progress_note=note,
                                      actor=owner, today=TODAY)
