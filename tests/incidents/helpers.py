"""Builders the incident tests share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.incidents import services
from app.incidents.models import Incident
from tests import factories

DISCOVERED = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)  # 09:30 in Johannesburg


def reported(reporter=None, **overrides) -> Incident:
    reporter = reporter or factories.make_user("manager")
    values = {"title": "Suspicious e-mail opened", "description": "A payslip e-mail asked me to sign in; I did.",
              "discovered_at": DISCOVERED, "personal_information": "unsure"}
    data = services.ReportInput(**(values | overrides))
    now = max(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), (data.discovered_at or DISCOVERED) + timedelta(minutes=30))
    return services.report_event(data, actor=reporter, now=now)


def triaged(incident: Incident, officer=None, **overrides) -> Incident:
    officer = officer or factories.make_user("security_officer")
    values = {"is_incident": True, "reason": "Credentials entered on a phishing page.", "category": "phishing",
              "severity": "high"}
    services.triage(incident, services.TriageInput(**(values | overrides)), expected_version=incident.version,
                    actor=officer, now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    return incident
