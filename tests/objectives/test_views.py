"""Objectives and metrics through the test client: who may read, set up, update a status and record a
measurement; what bad input gets; the lists, their filters and exports; the metric's chart."""

from __future__ import annotations

from datetime import date

import pytest

from app.common.timeutil import local_today
from app.extensions import db
from app.objectives import services
from app.objectives.models import Measurement, Metric, Objective
from tests import factories
from tests.objectives.conftest import make_metric, make_objective, measure, svg_of
from tests.pages import audit_entries, csv_rows, error_next_to, only_entry, text_of, xlsx_rows

READERS = ["admin", "security_officer", "risk_owner", "manager", "auditor"]


def objective_form(owner, **fields) -> dict:
    return {"title": "Patch critical vulnerabilities within 30 days", "plan": "A monthly patch cycle.",
            "resources": "Patch tooling.", "owner_id": str(owner.id), "due_on": "2027-06-30",
            "evaluation": "Critical patches applied within 30 days, monthly, against 95%.", **fields}


def metric_form(measurer, evaluator, **fields) -> dict:
    return {"title": "Critical patches applied within 30 days", "description": "Critical updates installed in time.",
            "computation": "", "method": "The patch report of the month.", "frequency": "monthly",
            "measurer_id": str(measurer.id), "evaluator_id": str(evaluator.id), "target": "95",
            "direction": "higher", "unit": "%", **fields}


# --- reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_isms_role_reads_objectives_and_metrics(client, login_as, role):
    metric = make_metric()
    objective = make_objective(metrics=[metric])
    login_as(role)

    for url in ("/objectives", "/objectives/metrics", f"/objectives/{objective.id}",
                f"/objectives/metrics/{metric.id}"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Raise staff security awareness" in text_of(client.get("/objectives"))


def test_hr_officers_do_not_see_the_objectives(client, login_as):
    objective = make_objective()
    login_as("hr_officer")
    assert client.get("/objectives").status_code == 403
    assert client.get(f"/objectives/{objective.id}").status_code == 403
    assert client.get("/objectives/metrics").status_code == 403


def test_an_objective_that_does_not_exist_is_404(client, login_as):
    login_as("auditor")
    assert client.get("/objectives/999").status_code == 404
    assert client.get("/objectives/metrics/999").status_code == 404


def test_the_list_filters_by_status_owner_and_overdue(client, login_as):
    owner = factories.make_user("risk_owner")
    late = make_objective("Late objective", owner=owner, due_on=date(2026, 1, 31))
    make_objective("On time objective", due_on=date(2099, 1, 31))
    done = make_objective("Finished objective", due_on=date(2026, 1, 31))
    done.status = "achieved"
    db.session.commit()
    login_as("auditor")

    def titles(query: str) -> list[str]:
        return [row["Objective"] for row in csv_rows(client.get(f"/objectives?export=csv&{query}"))]

    assert titles("overdue=1") == ["Late objective"]
    assert titles(f"owner={owner.id}") == ["Late objective"]
    assert titles("status=achieved") == ["Finished objective"]
    assert sorted(titles("status=open")) == ["Late objective", "On time objective"]
    assert sorted(titles("status=nonsense")) == ["Finished objective", "Late objective", "On time objective"]
    page = text_of(client.get("/objectives?overdue=1"))
    assert "1 objective" in page and "overdue" in page and late.title in page


def test_the_exports_hold_the_objectives_metrics_and_measurements(client, login_as):
    metric = make_metric()
    measure(metric, date(2026, 10, 31), 9.1)
    make_objective(metrics=[metric])
    login_as("auditor")

    [objective_row] = xlsx_rows(client.get("/objectives?export=xlsx"))
    assert objective_row["Status"] == "Planned" and objective_row["Metrics"] == metric.title
    [metric_row] = csv_rows(client.get("/objectives/metrics?export=csv"))
    assert (metric_row["Latest value"], metric_row["Latest period"], metric_row["On target"]) == (
        "9.1", "Oct 2026", "no")
    [measurement_row] = csv_rows(client.get(f"/objectives/measurements?export=csv&metric={metric.id}"))
    assert (measurement_row["Period"], measurement_row["Value"], measurement_row["How"]) == (
        "Oct 2026", "9.1", "by hand")
    assert len(audit_entries("export")) == 3


# --- setting up and editing ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["risk_owner", "manager", "auditor"])
def test_only_security_officers_and_admins_set_up_objectives_and_metrics(client, login_as, role):
    objective, metric = make_objective(), make_metric()
    user = login_as(role)

    assert client.get("/objectives/new").status_code == 403
    assert client.post("/objectives/new", data=objective_form(user)).status_code == 403
    assert client.post(f"/objectives/{objective.id}/edit", data=objective_form(user)).status_code == 403
    assert client.post("/objectives/metrics/new", data=metric_form(user, user)).status_code == 403
    assert client.post(f"/objectives/metrics/{metric.id}/edit", data=metric_form(user, user)).status_code == 403
    assert db.session.query(Objective).count() == 1 and db.session.query(Metric).count() == 1


def test_setting_up_an_objective_through_the_form(client, login_as):
    officer = login_as("security_officer")
    metric = make_metric()
    owner = factories.make_user("manager")

    response = client.post("/objectives/new", data=objective_form(owner, metric_ids=[str(metric.id)]))

    [objective] = db.session.query(Objective).all()
    assert response.status_code == 302 and response.location == f"/objectives/{objective.id}"
    assert objective.owner_id == owner.id and objective.metrics == [metric]
    entry, _ = only_entry("create", "objective", objective.id)
    assert entry.actor_id == officer.id
    page = text_of(client.get(response.location))
    assert "set." in page and "Status over time" in page and metric.title in page


def test_a_bad_objective_form_is_shown_again_with_its_reasons(client, login_as):
    login_as("security_officer")
    auditor = factories.make_user("auditor")

    bad_date = client.post("/objectives/new", data=objective_form(auditor, due_on="31/12/2026"))
    refused = client.post("/objectives/new", data=objective_form(auditor, evaluation=""))

    assert bad_date.status_code == 422 and "is not a date" in error_next_to(bad_date, "due_on")
    assert refused.status_code == 422 and "27001 6.2 j" in error_next_to(refused, "evaluation")
    assert "cannot be the owner" in error_next_to(refused, "owner_id")
    assert db.session.query(Objective).count() == 0


def test_a_stale_objective_edit_is_refused(client, login_as):
    login_as("security_officer")
    objective = make_objective()
    form = objective_form(objective.owner, version=str(objective.version))
    assert client.post(f"/objectives/{objective.id}/edit", data=form).status_code == 302

    response = client.post(f"/objectives/{objective.id}/edit", data={**form, "title": "Other"})

    assert response.status_code == 302 and response.location == f"/objectives/{objective.id}/edit"
    assert "changed by someone else" in text_of(client.get(response.location))
    db.session.refresh(objective)
    assert objective.title == "Patch critical vulnerabilities within 30 days"


def test_setting_up_a_metric_and_a_bad_target(client, login_as):
    officer = login_as("security_officer")
    measurer = factories.make_user("risk_owner")

    refused = client.post("/objectives/metrics/new", data=metric_form(measurer, officer, target="lots"))
    assert refused.status_code == 422 and "“lots” is not a number" in error_next_to(refused, "target")
    response = client.post("/objectives/metrics/new", data=metric_form(measurer, officer, target="95,5"))

    [metric] = db.session.query(Metric).all()
    assert response.status_code == 302 and metric.target == 95.5 and metric.measurer_id == measurer.id


# --- status and measurements, per record ---------------------------------------------------------


def test_an_owner_records_the_status_of_their_own_objective_only(client, login_as):
    owner = factories.make_user("risk_owner")
    mine, theirs = make_objective(owner=owner), make_objective("Someone else's")
    login_as(owner)
    form = {"status": "on_track", "on": local_today().isoformat(), "note": "First campaign ran."}

    assert "Record the status" in text_of(client.get(f"/objectives/{mine.id}"))
    assert "Record the status" not in text_of(client.get(f"/objectives/{theirs.id}"))
    response = client.post(f"/objectives/{mine.id}/status", data={**form, "version": str(mine.version)})
    refused = client.post(f"/objectives/{theirs.id}/status", data={**form, "version": str(theirs.version)})

    assert response.status_code == 302 and refused.status_code == 403
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert mine.status == "on_track" and theirs.status == "planned"
    assert "On track" in text_of(client.get(f"/objectives/{mine.id}")).split("Status over time")[1]
    assert "First campaign ran." in text_of(client.get(f"/objectives/{mine.id}"))


def test_a_status_without_a_reason_is_refused_on_the_page(client, login_as):
    login_as("security_officer")
    objective = make_objective()

    response = client.post(f"/objectives/{objective.id}/status",
                           data={"status": "at_risk", "on": local_today().isoformat(), "note": "",
                                 "version": str(objective.version)})

    assert response.status_code == 422 and "Say why" in error_next_to(response, "note")
    assert len(objective.history) == 1


def test_auditors_change_nothing(client, login_as):
    objective, metric = make_objective(), make_metric()
    login_as("auditor")
    assert client.post(f"/objectives/{objective.id}/status", data={"status": "achieved"}).status_code == 403
    assert client.post(f"/objectives/metrics/{metric.id}/measurements", data={"value": "3"}).status_code == 403
    assert db.session.query(Measurement).count() == 0


def test_the_named_measurer_records_a_measurement_and_sees_it_on_the_chart(client, login_as):
    measurer = factories.make_user("manager")
    metric = make_metric(measurer=measurer)
    login_as(measurer)
    today = local_today()

    response = client.post(f"/objectives/metrics/{metric.id}/measurements",
                           data={"value": "6.5", "on": today.isoformat(), "note": "From the platform."})

    assert response.status_code == 302
    [measurement] = db.session.query(Measurement).all()
    assert (measurement.value, measurement.measured_by_id, measurement.computed) == (6.5, measurer.id, False)
    page = client.get(response.location).get_data(as_text=True)
    start = page.index('<svg class="trend-chart"')
    svg = svg_of(page[start:page.index("</svg>", start) + 6])
    assert "6.5%" in svg.find("{http://www.w3.org/2000/svg}desc").text
    assert 'class="chart-target"' in page and "trend against the target as a table" in page
    assert "6.5%" in text_of(client.get(response.location))


def test_someone_else_may_not_record_a_metric_they_do_not_measure(client, login_as):
    metric = make_metric(measurer=factories.make_user("risk_owner"))
    login_as("risk_owner")
    response = client.post(f"/objectives/metrics/{metric.id}/measurements",
                           data={"value": "3", "on": local_today().isoformat()})
    assert response.status_code == 403 and db.session.query(Measurement).count() == 0


def test_a_second_value_for_a_period_is_refused_next_to_the_date(client, login_as):
    login_as("security_officer")
    metric = make_metric()
    measure(metric, date(2026, 10, 3), 9.1)

    response = client.post(f"/objectives/metrics/{metric.id}/measurements", data={"value": "8", "on": "2026-10-30"})
    bad_value = client.post(f"/objectives/metrics/{metric.id}/measurements", data={"value": "ten", "on": "2026-09-30"})

    assert response.status_code == 422 and "Oct 2026 is measured already" in error_next_to(response, "on")
    assert bad_value.status_code == 422 and "is not a number" in error_next_to(bad_value, "value")
    assert db.session.query(Measurement).count() == 1


# --- the dashboard and the PDF -------------------------------------------------------------------


def test_the_dashboard_shows_headline_trends_to_readers_only(client, login_as):
    metric = make_metric(headline=True)
    make_metric("Not a headline")
    measure(metric, date(2026, 10, 3), 9.1)
    login_as("auditor")
    page = client.get("/").get_data(as_text=True)
    assert "Headline metrics" in page and f'id="dashboard-metric-{metric.id}-title"' in page
    assert "Not a headline" not in page

    login_as("hr_officer")
    assert "Headline metrics" not in client.get("/").get_data(as_text=True)


def test_the_pdf_is_queued_for_readers(client, login_as):
    login_as("auditor")
    response = client.get("/reports/objectives.pdf")
    assert response.status_code == 303 and "/reports/documents/" in response.location
    assert "Objectives and measurement" in text_of(client.get("/reports"))
    login_as("hr_officer")
    assert client.get("/reports/objectives.pdf").status_code == 403


# --- correcting a measurement -------------------------------------------------------------------


def _correct(client, metric, measurement, **data):
    url = f"/objectives/metrics/{metric.id}/measurements/{measurement.id}/correct"
    return client.post(url, data={"version": str(measurement.version), **data})


def test_the_measurer_corrects_a_value_with_a_reason_and_the_audit_log_keeps_the_old_one(client, login_as):
    measurer = factories.make_user("manager")
    metric = make_metric(measurer=measurer)
    measurement = measure(metric, date(2026, 11, 3), 85, actor=measurer)
    login_as(measurer)
    page = text_of(client.get(f"/objectives/metrics/{metric.id}"))
    assert "Correct Nov 2026" in page

    response = _correct(client, metric, measurement, value="5,8", reason="Typed from the wrong report.")

    assert response.status_code == 302
    db.session.refresh(measurement)
    assert (measurement.value, measurement.corrected_by_id) == (5.8, measurer.id)
    _, changes = only_entry("update", "measurement", measurement.id)
    assert changes["value"] == [85, 5.8] and changes["reason"] == [None, "Typed from the wrong report."]
    shown = text_of(client.get(f"/objectives/metrics/{metric.id}"))
    assert f"Corrected by {measurer.full_name}" in shown and "Typed from the wrong report." in shown
    [row] = csv_rows(client.get(f"/objectives/measurements?metric={metric.id}&export=csv"))
    assert (row["Value"], row["Corrected by"], row["Why corrected"]) == ("5.8", measurer.full_name,
                                                                         "Typed from the wrong report.")


def test_a_correction_needs_a_reason_and_a_number_and_changes_nothing_without(client, login_as):
    metric = make_metric()
    measurement = measure(metric, date(2026, 11, 3), 85)
    login_as("security_officer")
    response = _correct(client, metric, measurement, value="5.8", reason=" ")
    assert response.status_code == 422 and "Say why the value is corrected" in error_next_to(response, "reason")
    response = _correct(client, metric, measurement, value="five", reason="Typo.")
    assert response.status_code == 422 and "is not a number" in error_next_to(response, "value")
    db.session.refresh(measurement)
    assert measurement.value == 85 and measurement.corrected_at is None
    assert audit_entries("update", "measurement") == []


def test_a_stale_correction_gets_the_conflict_message(client, login_as):
    metric = make_metric()
    measurement = measure(metric, date(2026, 11, 3), 85)
    stale = str(measurement.version)
    login_as("security_officer")
    assert _correct(client, metric, measurement, value="5.8", reason="Typo.").status_code == 302
    response = client.post(f"/objectives/metrics/{metric.id}/measurements/{measurement.id}/correct",
                           data={"version": stale, "value": "6", "reason": "Another typo."}, follow_redirects=True)
    assert response.status_code == 200 and "changed by someone else" in response.get_data(as_text=True)
    db.session.refresh(measurement)
    assert measurement.value == 5.8


def test_computed_values_are_not_corrected_and_others_may_not_correct(client, login_as):
    computed = make_metric("Applicable Annex A controls implemented", computation="soa_implemented", unit="%")
    value = services.record_computed(computed, date(2026, 11, 30))
    db.session.commit()
    login_as("security_officer")
    response = _correct(client, computed, value, value="50", reason="Looks wrong.")
    assert response.status_code == 422 and "cannot be corrected by hand" in response.get_data(as_text=True)

    metric = make_metric(measurer=factories.make_user("risk_owner"))
    measurement = measure(metric, date(2026, 11, 3), 85)
    for role in ("risk_owner", "auditor"):
        login_as(role)
        assert _correct(client, metric, measurement, value="5", reason="No.").status_code == 403
    login_as("security_officer")
    other = make_metric("Laptops encrypted")
    assert client.get(f"/objectives/metrics/{other.id}/measurements/{measurement.id}/correct").status_code == 404
    db.session.refresh(measurement)
    assert measurement.value == 85


# --- retiring a metric ----------------------------------------------------------------------------


def test_a_retired_metric_is_kept_but_no_longer_measured_reminded_shown_or_offered(client, login_as):
    from app.objectives import measuring
    from app.scheduler import reminders
    from app.scheduler.kinds import Kind

    measurer = factories.make_user("risk_owner")
    metric = make_metric(measurer=measurer, headline=True)
    measure(metric, date(2026, 10, 3), 9.1)
    computed = make_metric("Applicable Annex A controls implemented", computation="soa_implemented", unit="%")
    login_as("security_officer")
    for retired in (metric, computed):
        response = client.post(f"/objectives/metrics/{retired.id}/retire",
                               data={"version": str(retired.version), "reason": "Replaced by the LMS report."})
        assert response.status_code == 302
    db.session.refresh(metric)
    assert metric.retired_on == local_today() and metric.retirement_reason == "Replaced by the LMS report."
    [entry] = audit_entries("update", "metric", metric.id)
    assert entry.summary == f"Retired metric {metric.title}"
    page = text_of(client.get(f"/objectives/metrics/{metric.id}"))
    assert "Retired on" in page and "Replaced by the LMS report." in page and "Record a measurement" not in page
    assert "9.1%" in page  # its measurements stay
    assert "Headline metrics" not in client.get("/").get_data(as_text=True)
    assert measuring.record_computed_measurements(date(2026, 12, 6)) == "0 computed measurements recorded"
    assert reminders.collect(date(2026, 12, 26), kinds=[Kind.MEASUREMENT_DUE]) == []
    assert metric.title not in client.get("/objectives/new").get_data(as_text=True)
    listed = text_of(client.get("/objectives/metrics?state=retired"))
    assert metric.title in listed and "retired" in listed
    assert metric.title not in text_of(client.get("/objectives/metrics?state=in_use"))
    [row] = [row for row in csv_rows(client.get("/objectives/metrics?export=csv")) if row["Metric"] == metric.title]
    assert row["Why retired"] == "Replaced by the LMS report."

    login_as(measurer)
    refused = client.post(f"/objectives/metrics/{metric.id}/measurements",
                          data={"value": "3", "on": local_today().isoformat()})
    assert refused.status_code == 422 and "reinstate it to record a value" in refused.get_data(as_text=True)


def test_retiring_needs_a_reason_and_the_right_role_and_reinstating_brings_it_back(client, login_as):
    metric = make_metric()
    for role in ("risk_owner", "auditor", "manager"):
        login_as(role)
        assert client.post(f"/objectives/metrics/{metric.id}/retire",
                           data={"version": str(metric.version), "reason": "No."}).status_code == 403
    login_as("security_officer")
    response = client.post(f"/objectives/metrics/{metric.id}/retire", data={"version": str(metric.version),
                                                                           "reason": " "})
    assert response.status_code == 422 and "Say why the metric is no longer measured" in error_next_to(response,
                                                                                                      "reason")
    db.session.refresh(metric)
    assert metric.retired_on is None and audit_entries("update", "metric") == []

    client.post(f"/objectives/metrics/{metric.id}/retire", data={"version": str(metric.version), "reason": "Gone."})
    db.session.refresh(metric)
    stale = client.post(f"/objectives/metrics/{metric.id}/reinstate", data={"version": "1"}, follow_redirects=True)
    assert "changed by someone else" in stale.get_data(as_text=True)
    assert client.post(f"/objectives/metrics/{metric.id}/reinstate",
                       data={"version": str(metric.version)}).status_code == 302
    db.session.refresh(metric)
    assert metric.retired_on is None and metric.retirement_reason == ""
    assert [entry.summary for entry in audit_entries("update", "metric")] == [
        f"Retired metric {metric.title}", f"Reinstated metric {metric.title}"]
    assert metric.title in client.get("/objectives/new").get_data(as_text=True)
