"""The register's lists: the business impact analyses (the index) and the tests and exercises,
filtered, sorted, paged and exported; the register-wide PDF is queued from here."""

from __future__ import annotations

from flask import render_template, request

from app.auth.permissions import CONTINUITY_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.continuity import queries, services
from app.continuity.exports import ANALYSIS_COLUMNS, TEST_COLUMNS
from app.continuity.models import IMPACT_LABELS, ContinuityTest, ImpactAnalysis, TestKind, TestOutcome
from app.continuity.views import bp


@bp.get("")
@permission_required(CONTINUITY_VIEW)
def index():
    today, months = local_today(), services.test_months()
    filters = queries.AnalysisFilters.from_args(request.args)
    statement = queries.analyses(filters, today, months)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.ANALYSIS_SORT_COLUMNS, default_sort="reference",
                            tiebreaker=ImpactAnalysis.id)
        return audited_export(rows, ANALYSIS_COLUMNS, fmt, "khusela-business-impact-analysis",
                              entity_type="impact_analysis", what="business impact analyses")
    listing = Listing.from_request(statement, sort_columns=queries.ANALYSIS_SORT_COLUMNS, default_sort="reference",
                                   tiebreaker=ImpactAnalysis.id)
    choices = {"impact": {"": "Any", **{str(n): f"{n} {label} or worse" for n, label in IMPACT_LABELS.items()}},
               "owner": {"": "Anyone", **{str(u.id): u.full_name for u in queries.owners()}},
               "department": {"": "Any", **{str(d.id): d.name for d in queries.departments()}}}
    return render_template("continuity/index.html", listing=listing, filters=filters, choices=choices, today=today,
                           due_before=queries.test_due_before(today, months), months=months,
                           standing=queries.standing(today, months))


@bp.get("/tests")
@permission_required(CONTINUITY_VIEW)
def tests():
    filters = queries.TestFilters.from_args(request.args)
    statement = queries.tests(filters)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.TEST_SORT_COLUMNS, default_sort="date",
                            default_direction="desc", tiebreaker=ContinuityTest.id)
        return audited_export(rows, TEST_COLUMNS, fmt, "khusela-continuity-tests", entity_type="continuity_test",
                              what="continuity tests and exercises")
    listing = Listing.from_request(statement, sort_columns=queries.TEST_SORT_COLUMNS, default_sort="date",
                                   default_direction="desc", tiebreaker=ContinuityTest.id)
    choices = {"kind": {"": "Any kind", **{k.value: k.label for k in TestKind}},
               "outcome": {"": "Any outcome", **{o.value: o.label for o in TestOutcome}}}
    return render_template("continuity/tests.html", listing=listing, filters=filters, choices=choices)
