"""The context's hub page, and the lists of issues and interested parties: filtered, sorted, paged
and exported."""

from __future__ import annotations

from flask import render_template, request

from app.admin import settings
from app.auth.permissions import CONTEXT_VIEW, permission_required
from app.common.export import audited_export
from app.common.listing import Listing, all_matching, requested_export
from app.common.timeutil import local_today
from app.context import queries, scope
from app.context.exports import ISSUE_COLUMNS, PARTY_COLUMNS, REQUIREMENT_COLUMNS
from app.context.models import ContextIssue, ContextStatus, InterestedParty, IssueKind, PartyKind
from app.context.views import bp


@bp.get("")
@permission_required(CONTEXT_VIEW)
def index():
    today = local_today()
    latest = scope.latest_issued()
    every_role = queries.roles()
    return render_template(
        "context/index.html", counts=queries.counts(today), latest=latest, draft=scope.draft(), today=today,
        review_due_on=scope.review_due_on(latest, settings.get(settings.SCOPE_REVIEW_MONTHS)),
        roles=every_role, holders={role.id: [a for a in role.assignments if a.current(today)] for role in every_role})


def _choices(kinds) -> dict[str, dict[str, str]]:
    return {
        "kind": {"": "Any kind", **{kind.value: kind.label for kind in kinds}},
        "owner": {"": "Anyone", **{str(user.id): user.full_name for user in queries.owners()}},
        "status": {"": "Active", ContextStatus.RETIRED.value: "Retired", queries.STATUS_ANY: "Any"},
    }


@bp.get("/issues")
@permission_required(CONTEXT_VIEW)
def issues():
    today = local_today()
    filters = queries.issue_filters(request.args)
    statement = queries.issues(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.ISSUE_SORT_COLUMNS, default_sort="review",
                            tiebreaker=ContextIssue.id)
        return audited_export(rows, ISSUE_COLUMNS, fmt, "khusela-context-issues",
                              entity_type="context_issue", what="internal and external issues")
    listing = Listing.from_request(statement, sort_columns=queries.ISSUE_SORT_COLUMNS, default_sort="review",
                                   tiebreaker=ContextIssue.id)
    return render_template("context/issues.html", listing=listing,
                           filters=filters, choices=_choices(IssueKind), today=today)


@bp.get("/parties")
@permission_required(CONTEXT_VIEW)
def parties():
    today = local_today()
    filters = queries.party_filters(request.args)
    statement = queries.parties(filters, today)
    fmt = requested_export()
    if fmt:
        rows = all_matching(statement, sort_columns=queries.PARTY_SORT_COLUMNS, default_sort="name",
                            tiebreaker=InterestedParty.id)
        if request.args.get("rows") == "requirements":
            return audited_export(queries.requirements_of(rows), REQUIREMENT_COLUMNS, fmt,
                                  "khusela-interested-party-requirements", entity_type="party_requirement",
                                  what="requirements of interested parties")
        return audited_export(rows, PARTY_COLUMNS, fmt, "khusela-interested-parties",
                              entity_type="interested_party", what="interested parties")
    listing = Listing.from_request(statement, sort_columns=queries.PARTY_SORT_COLUMNS, default_sort="name",
                                   tiebreaker=InterestedParty.id)
    return render_template("context/parties.html", listing=listing, filters=filters, choices=_choices(PartyKind),
                           today=today, requirements_export={
                               fmt: listing.url_for_export(fmt) + "&rows=requirements" for fmt in ("csv", "xlsx")})
