"""The objectives' sections of a management review pack: metrics and objectives as they stood on the
review's date, with what changed since the previous review."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.objectives import services
from app.objectives.review_inputs import monitoring_for_review, objectives_for_review
from app.reviews import inputs
from tests.objectives.conftest import make_metric, make_objective, measure


def test_nothing_recorded_gives_no_section(app):
    assert monitoring_for_review(date(2026, 12, 6), date(2026, 6, 1)) is None
    assert objectives_for_review(date(2026, 12, 6), date(2026, 6, 1)) is None


def test_monitoring_gives_each_metrics_latest_value_on_the_date_and_at_the_previous_review(app):
    metric = make_metric()  # lower is better, target 5
    make_metric("Patched in 30 days", target=95, direction="higher")
    for on, value in ((date(2026, 5, 31), 12.5), (date(2026, 10, 31), 4.8), (date(2026, 11, 30), 6.1)):
        measure(metric, on, value)

    data = monitoring_for_review(date(2026, 11, 15), date(2026, 6, 1))

    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures == {"metrics": 2, "metrics_on_target": 1, "metrics_off_target": 0, "metrics_not_measured": 1}
    rows = {row[0]: row for row in data["tables"][0]["rows"]}
    # November's value was measured after the date: October's counts, and May's at the previous review.
    assert rows[metric.title] == [metric.title, "Oct 2026", 4.8, 5.0, "on target", 12.5]
    assert rows["Patched in 30 days"][4] == "not measured"


def test_objectives_give_each_status_on_the_date(app):
    late = make_objective("Late", due_on=date(2026, 9, 30))
    done = make_objective("Done", due_on=date(2026, 9, 30))
    for objective, status, on in ((late, "at_risk", date(2026, 8, 1)), (done, "achieved", date(2026, 9, 1)),
                                  (late, "not_achieved", date(2026, 12, 1))):
        services.change_status(objective, status, on=on, note="Why.", expected_version=objective.version, actor=None,
                               today=date(2026, 12, 6))
    db.session.commit()

    data = objectives_for_review(date(2026, 11, 15), date(2026, 8, 15))

    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert (figures["objectives"], figures["objectives_at_risk"], figures["objectives_achieved"],
            figures["objectives_not_achieved"], figures["objectives_overdue"]) == (2, 1, 1, 0, 1)
    rows = {row[0]: row for row in data["tables"][0]["rows"]}
    assert rows["Late"][3:] == ["At risk (overdue)", ""]  # December's "not achieved" came after the date
    assert rows["Done"][3:] == ["Achieved", "changed"]


def test_a_review_pack_reads_both_sections(app):
    metric = make_metric()
    measure(metric, date(2026, 10, 31), 4.8)
    make_objective(metrics=[metric])

    sections = {s["key"]: s for s in inputs.compile(date(2026, 11, 15))["sections"]}

    assert sections["monitoring"]["available"] and sections["objectives"]["available"]
