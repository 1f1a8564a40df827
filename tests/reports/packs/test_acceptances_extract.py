"""The evidence pack holds the acceptances register of the risks in scope (issue 18, point 7), with
the columns of the list page's download, ended acceptances too."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta

import pytest

from app.audit import checkpoints
from app.audit.models import CheckpointReason
from app.common.timeutil import local_today
from app.extensions import db
from app.reports import pack_archive, packs
from app.risks import services as risks
from app.risks.exports import acceptance_columns
from tests import factories

pytestmark = pytest.mark.usefixtures("app")


def build(tmp_path, scope=packs.Scope()):
    target = tmp_path / "pack.zip"
    pack_archive.write_pack(packs.gather(packs.check_scope(scope)), target, generated_by="Test Auditor",
                            checkpoint=checkpoints.publish(CheckpointReason.PACK))
    return target


def extract(path, name="extracts/risk-acceptances.csv") -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as archive:
        return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


@pytest.fixture
def accepted():
    owner = factories.make_user("risk_owner", full_name="Anele Owner")
    risk = factories.make_risk(owner)
    today = local_today()
    risks.accept_risk(risk, actor=owner, justification="Budget in April.", expires_on=today + timedelta(days=30),
                      today=today, expected_version=risk.version)
    risks.accept_risk(risk, actor=owner, justification="Budget moved to May.", expires_on=today + timedelta(days=60),
                      today=today, expected_version=risk.version)
    db.session.commit()
    return risk


def test_the_pack_holds_every_acceptance_of_its_risks(tmp_path, accepted):
    path = build(tmp_path)
    rows = extract(path)

    assert [(row["Risk"], row["Accepted by"], row["Status"], row["Justification"]) for row in rows] == [
        ("R-0001", "Anele Owner", "Withdrawn", "Budget in April."),
        ("R-0001", "Anele Owner", "Current", "Budget moved to May.")]
    assert rows[0]["Why it ended"] == "Replaced by a new acceptance"
    assert list(rows[0]) == [column.header for column in acceptance_columns(local_today())]
    assert "extracts/risk-acceptances.xlsx" in zipfile.ZipFile(path).namelist()
    # The risks extract says who accepted the risk and until when.
    [risk_row] = extract(path, "extracts/risks.csv")
    assert (risk_row["Accepted by"], risk_row["Accepted until"]) == (
        "Anele Owner", (local_today() + timedelta(days=60)).isoformat())


def test_a_date_range_keeps_the_acceptances_in_force_within_it(tmp_path, accepted):
    later = local_today() + timedelta(days=90)
    path = build(tmp_path, packs.Scope(date_from=later, date_to=later + timedelta(days=10)))
    assert extract(path) == []
    path = build(tmp_path, packs.Scope(date_from=date(2020, 1, 1), date_to=local_today()))
    assert len(extract(path)) == 2
