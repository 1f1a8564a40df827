"""Two people acting on the same objective or metric at the same moment: a metric is measured once per
period (the second is told the period is measured, never an error page), an objective's status takes
one change at a time (the second gets the stale-edit message), a metric's title is set up once.

Each race holds both requests right after the read their write depends on (tests.threads.hold_after),
so on PostgreSQL both have read before either writes, on every run."""

from __future__ import annotations

import sqlalchemy as sa

from app.common.timeutil import local_today
from app.extensions import db
from app.objectives import services
from app.objectives.models import Measurement, Metric, Objective, ObjectiveStatusChange
from tests import factories
from tests.objectives.conftest import make_metric, make_objective
from tests.objectives.test_views import metric_form
from tests.pages import page_text
from tests.threads import hold_after, post_at_once, run_together

STALE = "changed by someone else"


def _outcome(responses: dict) -> tuple[list[int], list[str]]:
    return sorted(response.status_code for response in responses.values()), \
        [page_text(response) for response in responses.values()]


def test_the_measurer_and_an_officer_recording_one_period_at_once_record_it_once(app, monkeypatch):
    measurer, officer = factories.make_user("risk_owner"), factories.make_user("security_officer")
    metric = make_metric(measurer=measurer)
    today = local_today().isoformat()
    forms = {measurer.email: {"on": today, "value": "4.5", "note": "From the campaign report."},
             officer.email: {"on": today, "value": "5.5", "note": "From the mail gateway."}}
    metric_id = metric.id
    db.session.close()

    hold_after(monkeypatch, (services, "measurement_for"))
    _, responses = post_at_once(app, f"/objectives/metrics/{metric_id}/measurements", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 422]  # the second is shown the metric again, with the reason
    assert sum("is measured already" in page for page in pages) == 1
    [measurement] = db.session.scalars(sa.select(Measurement)).all()
    assert measurement.value in (4.5, 5.5)


def test_two_runs_computing_one_period_at_once_record_it_once(app, monkeypatch):
    metric = make_metric("Open nonconformities", computation="open_nonconformities", target=0, unit="nonconformities")
    metric_id = metric.id
    db.session.close()
    recorded, problems = [], []

    def run(person: str) -> None:
        with app.app_context():
            try:
                recorded.append(services.record_computed(db.session.get(Metric, metric_id), local_today()))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - an exception is the finding
                problems.append(f"{person}: {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    hold_after(monkeypatch, (services, "measurement_for"))
    run_together(run, ["scheduler", "by hand"], timeout=60)
    assert problems == []
    assert sum(measurement is not None for measurement in recorded) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Measurement)) == 1


def test_the_owner_and_an_officer_changing_the_status_at_once_one_gets_the_conflict_message(app, monkeypatch):
    owner, officer = factories.make_user("risk_owner"), factories.make_user("security_officer")
    objective = make_objective(owner=owner)
    forms = {person.email: {"version": str(objective.version), "status": status, "on": local_today().isoformat(),
                            "note": f"Seen by {person.full_name}."}
             for person, status in ((owner, "on_track"), (officer, "at_risk"))}
    objective_id = objective.id
    db.session.close()

    hold_after(monkeypatch, (Objective, "check_version"))
    _, responses = post_at_once(app, f"/objectives/{objective_id}/status", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 200]
    assert sum(STALE in page for page in pages) == 1
    history = db.session.scalars(sa.select(ObjectiveStatusChange).where(
        ObjectiveStatusChange.objective_id == objective_id)).all()
    assert len(history) == 2  # set up, then one change
    assert db.session.get(Objective, objective_id).status == history[-1].status


def test_two_officers_setting_up_the_same_metric_at_once_get_one_metric(app, monkeypatch):
    officers = [factories.make_user("security_officer"), factories.make_user("admin")]
    forms = {person.email: metric_form(person, person) for person in officers}
    db.session.commit()
    db.session.close()

    hold_after(monkeypatch, (services, "_check_metric"))
    _, responses = post_at_once(app, "/objectives/metrics/new", forms, follow_redirects=True)
    statuses, pages = _outcome(responses)
    assert statuses == [200, 422]
    assert sum("A metric called “Critical patches applied within 30 days” exists already" in page
               for page in pages) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Metric)) == 1
