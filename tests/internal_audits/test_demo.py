"""The demo's internal audits: a three-year cycle started about ten months ago, two audits issued this year
by leads who own none of the controls they audit, their nonconformities raised on the issue dates, and a
programme partly planned."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.common import uploads
from app.common.timeutil import add_months, local_today
from app.extensions import db
from app.internal_audits import services
from app.internal_audits.models import AuditStatus, InternalAudit

pytestmark = pytest.mark.usefixtures("demo_data")


def test_the_demo_programme_has_two_issued_audits_and_visible_gaps(app):
    today = local_today()
    programme = services.current_programme(today)
    assert programme is not None and add_months(today, -11) <= programme.starts_on <= add_months(today, -9)
    audits = list(db.session.scalars(sa.select(InternalAudit).order_by(InternalAudit.planned_start)))
    issued = [a for a in audits if a.status == AuditStatus.REPORTED]
    assert len(issued) == 2 and all(a.issued_on <= today for a in issued)
    assert [a.status for a in audits if a not in issued] == [AuditStatus.PLANNED]

    severities = sorted(line.nonconformity.severity for a in issued for line in a.lines if line.nonconformity)
    assert severities == ["minor", "minor", "minor"]  # 9.3: the 2025 review was held, but incomplete
    for internal_audit in issued:
        assert uploads.stored_path(internal_audit.report_sha256).is_file()
        for line in internal_audit.lines:
            if line.nonconformity is not None:
                assert line.nonconformity.raised_on == internal_audit.issued_on
                assert line.nonconformity.source_reference.startswith(internal_audit.reference)
        controls = [line.control for line in internal_audit.lines if line.control]
        assert services.conflicts_of([internal_audit.lead_auditor], controls, [], None) == []  # owns none audited
    assert sum(1 for a in audits if a.independence_reason) == 1

    coverage = services.coverage(programme)
    assert coverage.gaps and coverage.done_count and len(coverage.rows) > len(coverage.gaps)
