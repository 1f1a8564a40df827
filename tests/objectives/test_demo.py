"""The demo's objectives and metrics: a year of measurements ending about today, whose latest computed
values are what the computations give on the demo's own data."""

from __future__ import annotations

from app.common.timeutil import local_today
from app.core.demo import seed_demo
from app.objectives import periods, queries
from app.objectives.computations import COMPUTATIONS
from app.objectives.demo import OBJECTIVES
from app.objectives.models import Frequency


def test_the_demo_has_objectives_with_a_status_history_and_a_year_of_measurements(app, demo_data):
    today = local_today()
    objectives = queries.all_objectives()
    metrics = queries.all_metrics()
    recent = queries.recent_measurements([metric.id for metric in metrics], count=100)
    this_month = periods.period_start(today, Frequency.MONTHLY)

    assert sorted(o.title for o in objectives) == sorted(spec.title for spec in OBJECTIVES)
    assert all(len(o.history) >= 2 and o.owner is not None and o.metrics for o in objectives)
    assert {o.status for o in objectives} >= {"on_track", "at_risk", "not_achieved"}
    assert len(metrics) == 9 and sum(metric.headline for metric in metrics) == 4
    for metric in metrics:
        series = recent[metric.id]
        if metric.computation:
            assert len(series) == 12 and series[-1].period_start == this_month
            assert series[-1].value == COMPUTATIONS[metric.computation].compute(today), metric.title
        else:  # this month is still to be measured (its reminder is due)
            assert len(series) == 11 and series[-1].period_start < this_month
            assert series[-1].measured_by_id == metric.measurer_id


def test_seeding_the_demo_again_adds_no_objective_or_metric(app, demo_data):
    added = seed_demo(demo_data)
    assert not [line for line in added if line.startswith(("objective", "metric"))]
