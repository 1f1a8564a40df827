"""The awareness pages through the test client: who may read and write, bad input (a message at the
field, nothing saved), the material upload (checked as evidence), exports, and a person's record with
the training a policy-violation case requires."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.awareness.models import Campaign, TrainingRecord
from app.extensions import db
from app.objectives.computations import COMPUTATIONS
from app.policies.cases.models import CaseTraining
from tests import factories
from tests.pages import audit_entries, csv_rows, error_next_to, page_text

VIEWERS = ["admin", "security_officer", "risk_owner", "manager", "hr_officer", "auditor"]
EDITORS = ["admin", "security_officer", "hr_officer"]
READ_ONLY = ["risk_owner", "manager", "auditor"]
SEE_NAMES = ["admin", "security_officer", "hr_officer"]  # and a manager, for their own department


def campaign_form(today, **changes) -> dict:
    return {"topic": "Phishing: think before you click", "channel": "online",
            "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=27)).isoformat(), "owner_id": "",
            "description": "", "roles": "", "material_url": "", "version": "", **changes}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("role", VIEWERS)
def test_every_reader_sees_the_campaigns_and_rates_and_only_some_see_names(client, login_as, role, make_campaign,
                                                                         record, health):
    campaign = make_campaign()
    nurse = factories.make_employee("Zanele Cele", department=health)
    record(campaign, nurse)
    login_as(role, department=health)

    for url in ["/awareness", "/awareness/rates", f"/awareness/campaigns/{campaign.id}"]:
        assert client.get(url).status_code == 200, url
    page = page_text(client.get(f"/awareness/campaigns/{campaign.id}"))
    assert ("Zanele Cele" in page) == (role in SEE_NAMES or role == "manager")
    assert "1 of 1" in page  # the counts are for everyone
    assert ("New campaign" in page_text(client.get("/awareness"))) == (role in EDITORS)


@pytest.mark.parametrize("role", READ_ONLY)
def test_readers_write_nothing(client, login_as, role, make_campaign, health, today):
    campaign = make_campaign()
    factories.make_employee(number="21000001", department=health)
    login_as(role, department=health)
    responses = [client.post("/awareness/campaigns/new", data=campaign_form(today)),
                 client.post(f"/awareness/campaigns/{campaign.id}/edit", data=campaign_form(today)),
                 client.post(f"/awareness/campaigns/{campaign.id}/training",
                             data={"employee_number": "21000001", "outcome": "completed",
                                   "completed_on": today.isoformat()}),
                 client.get("/awareness/import")]
    assert [response.status_code for response in responses] == [403] * 4
    assert count(Campaign) == 1 and count(TrainingRecord) == 0


def test_an_editor_adds_a_campaign_with_its_material_and_bad_input_is_shown_at_the_field(client, login_as, today,
                                                                                          health):
    login_as("security_officer")

    no_topic = client.post("/awareness/campaigns/new", data=campaign_form(today, topic=""))
    backwards = client.post("/awareness/campaigns/new", data=campaign_form(
        today, ends_on=(today - timedelta(days=1)).isoformat()))
    assert no_topic.status_code == backwards.status_code == 422
    assert "Name the campaign's topic" in error_next_to(no_topic, "topic")
    assert "cannot end" in error_next_to(backwards, "ends_on")
    program = client.post("/awareness/campaigns/new", data={
        **campaign_form(today), "material": (io.BytesIO(b"MZ\x90\x00 a program"), "poster.pdf")},
        content_type="multipart/form-data")
    assert program.status_code == 422 and "not accepted" in error_next_to(program, "material")
    assert count(Campaign) == 0

    added = client.post("/awareness/campaigns/new", data={
        **campaign_form(today, department_ids=str(health.id), roles="Professional Nurse\nData Capturer"),
        "material": (io.BytesIO(b"%PDF-1.4 the poster"), "poster.pdf")}, content_type="multipart/form-data")

    assert added.status_code == 302
    campaign = db.session.scalar(sa.select(Campaign))
    assert campaign.material_name == "poster.pdf" and [d.code for d in campaign.departments] == ["DOH"]
    assert campaign.role_names == ["Data Capturer", "Professional Nurse"]
    download = client.get(f"/awareness/campaigns/{campaign.id}/material")
    assert download.data == b"%PDF-1.4 the poster" and "attachment" in download.headers["Content-Disposition"]
    download.close()


def test_a_stale_edit_is_refused(client, login_as, make_campaign, today):
    campaign = make_campaign()
    login_as("security_officer")
    stale = campaign_form(today, topic="Passwords", version=str(campaign.version - 1))

    response = client.post(f"/awareness/campaigns/{campaign.id}/edit", data=stale, follow_redirects=True)

    assert "changed by someone else" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).topic != "Passwords"


def test_recording_by_hand_and_its_refusals(client, login_as, make_campaign, health, today):
    campaign = make_campaign()
    factories.make_employee("Zanele Cele", number="21000001", department=health)
    login_as("hr_officer")
    url = f"/awareness/campaigns/{campaign.id}/training"

    unknown = client.post(url, data={"employee_number": "99", "outcome": "completed",
                                     "completed_on": today.isoformat()})
    no_day = client.post(url, data={"employee_number": "21000001", "outcome": "completed", "completed_on": ""})
    assert unknown.status_code == no_day.status_code == 422
    assert "No employee has the number" in error_next_to(unknown, "employee_number")
    assert "Give the day" in error_next_to(no_day, "completed_on")
    assert count(TrainingRecord) == 0

    done = client.post(url, data={"employee_number": "21000001", "outcome": "attended",
                                  "completed_on": today.isoformat(), "score": "90"})

    assert done.status_code == 302 and count(TrainingRecord) == 1
    assert audit_entries("create", "training_record")
    rows = csv_rows(client.get(f"/awareness/campaigns/{campaign.id}?export=csv"))
    assert rows[0]["Name"] == "Zanele Cele" and rows[0]["Outcome"] == "Attended" and rows[0]["Score"] == "90"


def test_removing_a_record_of_another_campaign_is_404(client, login_as, make_campaign, record, health):
    first, second = make_campaign(), make_campaign("Passwords")
    kept = record(second, factories.make_employee(department=health))
    login_as("admin")

    assert client.post(f"/awareness/campaigns/{first.id}/training/{kept.id}/delete").status_code == 404
    assert client.post(f"/awareness/campaigns/{second.id}/training/{kept.id}/delete").status_code == 302
    assert count(TrainingRecord) == 0


def test_the_list_filters_and_exports_with_the_rate(client, login_as, make_campaign, record, health, today):
    phishing = make_campaign(channel="webinar")
    make_campaign("Passwords", starts_on=today + timedelta(days=30))
    record(phishing, factories.make_employee(department=health))
    factories.make_employee(department=health)
    login_as("auditor")

    assert "Passwords" not in page_text(client.get("/awareness?channel=webinar"))
    assert "think before you click" not in page_text(client.get("/awareness?state=planned"))
    rows = csv_rows(client.get("/awareness?export=csv&sort=reference&dir=asc"))
    assert [(row["Reference"], row["Completion rate (%)"]) for row in rows] == [("AW-0001", "50.0"), ("AW-0002", "0.0")]
    assert client.get("/awareness?year=abc&state=nonsense&page=99").status_code == 200  # bad values are ignored


def test_the_rates_page_shows_the_table_and_the_trend(client, login_as, make_campaign, record, health, today):
    ended = make_campaign(starts_on=today - timedelta(days=40), ends_on=today - timedelta(days=1))
    record(ended, factories.make_employee(department=health))
    login_as("manager", department=health)

    html = client.get("/awareness/rates").get_data(as_text=True)

    assert '<svg class="trend-chart"' in html and "DOH" in html and "100%" in html
    assert client.get("/awareness/rates?department=nonsense").status_code == 200
    assert COMPUTATIONS["awareness_completion_rate"].compute(today) == 100.0


def test_a_persons_record_shows_the_training_a_case_requires(client, login_as, make_campaign, record, health, today):
    nurse = factories.make_employee("Zanele Cele", department=health)
    case = factories.make_case(health, employee=nurse)
    db.session.add(CaseTraining(case_id=case.id, course="Phishing awareness (e-learning, 2 hours)",
                                due_on=today - timedelta(days=1)))
    db.session.commit()
    record(make_campaign(), nurse)

    login_as("hr_officer")
    page = page_text(client.get(f"/awareness/people/{nurse.id}"))
    assert "Phishing awareness (e-learning, 2 hours)" in page and "Overdue" in page and "Completed" in page

    db.session.execute(sa.update(CaseTraining).values(completed_on=today))
    db.session.commit()
    assert "Completed " + today.isoformat() in page_text(client.get(f"/awareness/people/{nurse.id}"))

    # A security officer sees cases under a pseudonym: the case on a named person's record would give it away.
    login_as("security_officer")
    page = page_text(client.get(f"/awareness/people/{nurse.id}"))
    assert "Phishing awareness" not in page and "Zanele Cele" in page


@pytest.mark.parametrize("role", ["auditor", "risk_owner"])
def test_who_cannot_see_employees_cannot_see_a_persons_record(client, login_as, role, health):
    nurse = factories.make_employee(department=health)
    login_as(role)
    assert client.get(f"/awareness/people/{nurse.id}").status_code == 403


def test_a_manager_sees_only_the_records_of_their_department(client, login_as, make_campaign, record, health,
                                                             treasury):
    campaign = make_campaign()
    record(campaign, factories.make_employee("Zanele Cele", department=health))
    accountant = factories.make_employee("Johan Botha", department=treasury)
    record(campaign, accountant)
    login_as("manager", department=health)

    page = page_text(client.get(f"/awareness/campaigns/{campaign.id}"))
    assert "Zanele Cele" in page and "Johan Botha" not in page
    assert client.get(f"/awareness/people/{accountant.id}").status_code == 403
