"""A learning system's completions extract (its own headers, course names and statuses): its unknown
values are mapped on the import page (a course to its campaign) and remembered with its columns."""

from __future__ import annotations

import sqlalchemy as sa

from app.awareness.importing import COLUMNS
from app.awareness.models import TrainingRecord
from app.extensions import db
from tests import factories
from tests.pages import text_of
from tests.tables import MappingFlow, csv_bytes, words_listed

HEADER = ["Course name", "PERSAL number", "Completion status", "Completion date", "Region"]


def test_a_learning_systems_words_are_mapped_remembered_and_reported(client, login_as, make_campaign, health):
    campaign = make_campaign("Phishing: think before you click")
    staff = [factories.make_employee(number=f"2100000{i}", department=health).number for i in range(1, 5)]
    day = campaign.starts_on.isoformat()
    login_as("security_officer")
    flow = MappingFlow(client, "/awareness/import", [column.header for column in COLUMNS])
    data = csv_bytes(HEADER, [["Phishing 101 (LMS)", staff[0], "Finished", day, "Metro"],
                              ["AW-0001", staff[1], "Passed", day, "Metro"]])

    listed = flow.listed(data, "lms.csv", {}, "Learning system")

    assert words_listed(listed) == {"“Phishing 101 (LMS)” (1 row)", "“Finished” (1 row)"}
    preview = flow.post(listed, words={"Phishing 101 (LMS)": campaign.reference, "Finished": "Completed"})
    assert preview.status_code == 200, text_of(preview)[:3000]
    flow.confirm(preview)
    records = db.session.scalars(sa.select(TrainingRecord)).all()
    assert [(record.campaign_id, record.outcome) for record in records] == [(campaign.id, "completed")] * 2

    again = flow.upload(csv_bytes(HEADER, [["Phishing 101 (LMS)", staff[2], "Finished", day, ""]]), "lms-2.csv")
    assert "Read with the mapping for Learning system" in text_of(again) and "1 created" in text_of(again)

    refused = flow.upload(csv_bytes(HEADER, [["Phishing 101 (LMS)", staff[3], "Skipped", day, ""]]), "lms-3.csv")
    assert refused.status_code == 422
    assert "2 Outcome “Skipped” is not an outcome Khusela knows" in text_of(refused)
