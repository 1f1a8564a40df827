"""The demo's incident year: consistent with the rest of the demo, one POPIA breach with its Regulator
submission and a delay the SAPS asked for, one open track, one awaiting triage."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.incidents.models import Incident, IncidentStatus
from app.nonconformities.models import Nonconformity

pytestmark = pytest.mark.usefixtures("demo_data")


def test_the_demo_year(app):
    incidents = list(db.session.scalars(sa.select(Incident).order_by(Incident.id)))
    assert len(incidents) >= 12
    statuses = {incident.status for incident in incidents}
    assert statuses == {s.value for s in IncidentStatus}
    delayed = [i for i in incidents if i.delay_reason and i.regulator_reference]
    assert delayed and "SAPS" in delayed[0].delay_reason and delayed[0].subjects_count
    assert any(i.notification_pending for i in incidents)
    assert all(i.reported_by is not None for i in incidents)
    raised = db.session.scalars(sa.select(Nonconformity).where(Nonconformity.source == "incident")).all()
    assert raised and raised[0].source_reference.startswith("INC-")


def test_the_register_pages_open_on_the_demo(client, login_as, app):
    login_as("auditor")
    assert client.get("/incidents?status=all").status_code == 200
    assert client.get("/incidents/summary").status_code == 200
    first = db.session.scalar(sa.select(Incident.id).order_by(Incident.id))
    assert client.get(f"/incidents/{first}").status_code == 200
